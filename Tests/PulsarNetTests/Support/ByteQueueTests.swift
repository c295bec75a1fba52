import Testing
@testable import PulsarNet

@Suite(.timeLimit(.minutes(1))) struct ByteQueueTests {
    private func drain(_ queue: inout ByteQueue, by maxLength: Int = .max) -> [UInt8] {
        var result: [UInt8] = []
        while !queue.isEmpty { result += queue.read(maxLength: maxLength) }
        return result
    }

    @Test func smallAppendsCoalesceAndKeepOrder() {
        var queue = ByteQueue()
        for value in 0..<100 { queue.append([UInt8(value)]) }
        #expect(queue.count == 100)
        #expect(queue.withFirstRun { $0.count } == 100)
        #expect(drain(&queue) == (0..<100).map { UInt8($0) })
        #expect(queue.isEmpty)
    }

    @Test func largeChunksAreQueuedWithoutMerging() {
        var queue = ByteQueue()
        let big = [UInt8](repeating: 1, count: ByteQueue.coalesceLimit)
        queue.append(big)
        queue.append([2])
        #expect(queue.withFirstRun { $0.count } == big.count)
        #expect(queue.count == big.count + 1)
    }

    @Test func skippingAndConsumingTrackTheFront() {
        var queue = ByteQueue()
        queue.append([1, 2, 3, 4, 5], skipping: 2)
        #expect(queue.count == 3)
        #expect(queue.withFirstRun { Array($0) } == [3, 4, 5])
        queue.consume(1)
        #expect(queue.withFirstRun { Array($0) } == [4, 5])
        queue.append([6], skipping: 0)
        queue.append([7, 8, 9], skipping: 1)
        #expect(drain(&queue, by: 2) == [4, 5, 6, 8, 9])
    }

    @Test func consumingManyChunksCompacts() {
        var queue = ByteQueue()
        let chunk = [UInt8](repeating: 0, count: ByteQueue.coalesceLimit)
        for _ in 0..<100 { queue.append(chunk) }
        var consumed = 0
        while !queue.isEmpty {
            let run = queue.withFirstRun { $0.count }
            queue.consume(min(run, 5000))
            consumed += min(run, 5000)
        }
        #expect(consumed == 100 * chunk.count)
        #expect(queue.withFirstRun { $0.count } == 0)
    }

    @Test func truncateKeepsThePrefix() {
        var queue = ByteQueue()
        let big = (0..<ByteQueue.coalesceLimit).map { UInt8($0 % 256) }
        queue.append(big)
        queue.append(big)
        queue.consume(10)
        queue.truncate(keeping: big.count)
        #expect(queue.count == big.count)
        #expect(drain(&queue) == Array(big[10...]) + Array(big[..<10]))
        queue.append([1, 2, 3])
        queue.truncate(keeping: 0)
        #expect(queue.isEmpty)
    }
}
