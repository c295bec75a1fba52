import PulsarSupport
import PulsarWire
import Testing

@Suite("Frame decoder under random input", .timeLimit(.minutes(2)))
struct FrameDecoderFuzzTests {
    /// Feeds `bytes` and drains the decoder; it must return frames, nil or throw, never trap or spin.
    private func drain(_ bytes: [UInt8], generator: inout SeededRandom) -> Int {
        var decoder = FrameDecoder(maxMessageSize: 64 * 1024)
        var frames = 0
        var index = 0
        while index < bytes.count {
            let size = Int(generator.next() % 64) + 1
            decoder.append(Array(bytes[index..<min(bytes.count, index + size)]))
            index += size
            var steps = 0
            while true {
                steps += 1
                precondition(steps < 100_000, "decoder did not make progress")
                do {
                    guard try decoder.next() != nil else { break }
                    frames += 1
                } catch let error as WireError where error.code == .checksumMismatch {
                    continue
                } catch {
                    return frames
                }
            }
        }
        return frames
    }

    @Test("mutated valid frames never trap")
    func mutations() {
        var generator = SeededRandom(seed: 0xC0FFEE)
        let metadata = MessageMetadata(producerName: "p", sequenceId: 1, publishTime: 2, partitionKey: "key", numMessagesInBatch: 2)
        var valid: [UInt8] = []
        for command in everyCommandFullyPopulated.prefix(40) { FrameEncoder.encode(command, into: &valid) }
        FrameEncoder.encode(.send(CommandSend(producerId: 1, sequenceId: 1)), metadata: metadata,
                            payload: BatchCodec.encode([BatchedMessage(metadata: SingleMessageMetadata(payloadSize: 0), payload: [1])]),
                            into: &valid)
        for _ in 0..<300 {
            var mutated = valid
            for _ in 0..<Int(generator.next() % 8 + 1) {
                let position = Int(generator.next() % UInt64(mutated.count))
                switch generator.next() % 3 {
                case 0: mutated[position] = UInt8(truncatingIfNeeded: generator.next())
                case 1: mutated.remove(at: position)
                default: mutated.insert(UInt8(truncatingIfNeeded: generator.next()), at: position)
                }
            }
            _ = drain(mutated, generator: &generator)
        }
    }

    @Test("random bytes never trap")
    func randomBytes() {
        var generator = SeededRandom(seed: 42)
        for _ in 0..<300 {
            let count = Int(generator.next() % 512)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if count > 8, generator.next() % 2 == 0 {
                // Plausible header so the decoder gets past the size checks more often.
                bytes[0] = 0; bytes[1] = 0; bytes[2] = UInt8((count - 4) >> 8); bytes[3] = UInt8((count - 4) & 0xff)
                bytes[4] = 0; bytes[5] = 0; bytes[6] = 0; bytes[7] = UInt8(generator.next() % UInt64(min(255, count - 8)))
            }
            _ = drain(bytes, generator: &generator)
        }
    }
}
