import Testing
@testable import PulsarFaults

/// Toxics as a pure stage: bytes and instants in, bytes and instants out.
@Suite("Toxic stage")
struct ToxicStageTests {
    private let ms: Int64 = 1_000_000

    private func stage(_ toxics: [Toxic], now: Int64 = 0, seed: UInt64 = 1) -> ToxicStage {
        var stage = ToxicStage(seed: seed)
        stage.update(toxics, now: now)
        return stage
    }

    @Test("with no toxic, bytes leave at once and in order")
    func passThrough() {
        var stage = stage([])
        stage.ingest([1, 2], now: 5)
        stage.ingest([3], now: 6)
        #expect(stage.takeDue(now: 6).chunks == [[1, 2], [3]])
        #expect(stage.nextDeadline == nil)
    }

    @Test("latency holds each chunk back, jitter stays within its bounds and never reorders")
    func latency() {
        var stage = stage([Toxic(.latency(milliseconds: 100, jitter: 50))])
        for index in 0..<50 { stage.ingest([UInt8(index)], now: Int64(index) * ms) }
        #expect(stage.takeDue(now: 49 * ms).chunks.isEmpty, "nothing leaves before 50 ms of latency")
        var out: [UInt8] = []
        var now: Int64 = 0
        while let next = stage.nextDeadline {
            now = next
            out += stage.takeDue(now: now).chunks.flatMap { $0 }
        }
        #expect(out == (0..<50).map(UInt8.init))
        #expect(now <= 49 * ms + 150 * ms)
    }

    @Test("bandwidth spaces bytes at the rate")
    func bandwidth() {
        var stage = stage([Toxic(.bandwidth(kilobytesPerSecond: 10))])   // 10,000 bytes a second
        stage.ingest([UInt8](repeating: 0, count: 1000), now: 0)          // 100 ms worth
        stage.ingest([UInt8](repeating: 1, count: 1000), now: 0)
        #expect(stage.takeDue(now: 99 * ms).chunks.isEmpty)
        #expect(stage.takeDue(now: 100 * ms).chunks.count == 1)
        #expect(stage.nextDeadline == 200 * ms)
    }

    @Test("the slicer cuts a write into pieces of the average size ± variation, delay apart")
    func slicer() {
        var stage = stage([Toxic(.slicer(averageSize: 4, sizeVariation: 2, delayMicroseconds: 10))])
        let bytes = (0..<100).map(UInt8.init)
        stage.ingest(bytes, now: 0)
        var pieces: [[UInt8]] = []
        while let next = stage.nextDeadline { pieces += stage.takeDue(now: next).chunks }
        #expect(pieces.flatMap { $0 } == bytes)
        #expect(pieces.allSatisfy { (2...6).contains($0.count) || $0 == pieces.last })
        #expect(pieces.count >= 100 / 6)
    }

    @Test("a timeout drops what arrives and closes after its time; removed in time, it closes nothing")
    func timeout() {
        var stage = stage([Toxic(.timeout(milliseconds: 500))])
        stage.ingest([1], now: 10 * ms)
        #expect(stage.takeDue(now: 499 * ms) == ToxicStage.Due(chunks: [], end: nil))
        #expect(stage.takeDue(now: 500 * ms).end == .close)

        var removed = self.stage([Toxic(.timeout(milliseconds: 500))])
        removed.update([], now: 100 * ms)
        removed.ingest([2], now: 200 * ms)
        #expect(removed.takeDue(now: 1000 * ms) == ToxicStage.Due(chunks: [[2]], end: nil))
    }

    @Test("reset_peer lets data through until its time, then resets and drops what is queued")
    func resetPeer() {
        var stage = stage([Toxic(.resetPeer(timeout: 100)), Toxic(.latency(milliseconds: 500, jitter: 0))])
        stage.ingest([1], now: 0)
        #expect(stage.takeDue(now: 100 * ms) == ToxicStage.Due(chunks: [], end: .reset))
        #expect(stage.isFinished)
    }

    @Test("limit_data passes exactly the limit, then closes")
    func limitData() {
        var stage = stage([Toxic(.limitData(bytes: 5))])
        stage.ingest([1, 2, 3], now: 0)
        stage.ingest([4, 5, 6, 7], now: 0)
        stage.ingest([8], now: 0)
        #expect(stage.takeDue(now: 0) == ToxicStage.Due(chunks: [[1, 2, 3], [4, 5]], end: .close))
    }

    @Test("the source's close follows the queued bytes; slow_close delays it further")
    func closes() {
        var plain = stage([Toxic(.latency(milliseconds: 10, jitter: 0))])
        plain.ingest([1], now: 0)
        plain.sourceEnded(now: 0)
        #expect(plain.takeDue(now: 9 * ms) == ToxicStage.Due(chunks: [], end: nil))
        #expect(plain.takeDue(now: 10 * ms) == ToxicStage.Due(chunks: [[1]], end: .close))

        var slow = stage([Toxic(.slowClose(delay: 300))])
        slow.ingest([1], now: 0)
        slow.sourceEnded(now: 0)
        #expect(slow.takeDue(now: 0) == ToxicStage.Due(chunks: [[1]], end: nil))
        #expect(slow.takeDue(now: 300 * ms).end == .close)
    }

    @Test("toxicity is decided per connection from the seed: the same seed, the same decisions")
    func toxicity() {
        func decisions(seed: UInt64) -> [Bool] {
            (0..<64).map { index in
                var stage = ToxicStage(seed: seed &+ UInt64(index))
                stage.update([Toxic(.timeout(milliseconds: 0), toxicity: 0.5)], now: 0)
                return !stage.activeToxics.isEmpty
            }
        }
        let first = decisions(seed: 42)
        #expect(first == decisions(seed: 42))
        #expect(first.contains(true) && first.contains(false))
    }

    @Test("adding and removing toxics mid-stream keeps every byte in order")
    func changesKeepOrder() {
        var stage = stage([])
        var out: [UInt8] = []
        var now: Int64 = 0
        for index in 0..<200 {
            now += ms
            if index % 40 == 10 { stage.update([Toxic(.latency(milliseconds: 30, jitter: 20))], now: now) }
            if index % 40 == 30 { stage.update([Toxic(.slicer(averageSize: 2, sizeVariation: 1, delayMicroseconds: 100))], now: now) }
            if index % 40 == 35 { stage.update([], now: now) }
            stage.ingest([UInt8(index % 256), UInt8((index * 7) % 256), 0], now: now)
            out += stage.takeDue(now: now).chunks.flatMap { $0 }
        }
        while let next = stage.nextDeadline { out += stage.takeDue(now: next).chunks.flatMap { $0 } }
        let expected: [UInt8] = (0..<200).flatMap { index -> [UInt8] in [UInt8(index % 256), UInt8((index * 7) % 256), 0] }
        #expect(out == expected)
    }
}
