import Testing
import PulsarNet
import PulsarWire
@testable import PulsarEmulator

/// Regression tests for hostile or buggy clients: each one crashed, froze or corrupted the emulator before its fix.
@Suite("Server: hostile input", .timeLimit(.minutes(1)))
struct HostileInputTests {
    @Test("a BaseCommand whose second type field contradicts the first, sent before CONNECT, closes only that connection")
    func repeatedTypeBeforeConnect() async throws {
        try await withPulsarEmulator { emulator in
            var hostile = RawClient(emulator.connectInMemory())
            hostile.stream.enqueue([0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x06, 0x08, 0x0a, 0x52, 0x00, 0x08, 0x00])
            #expect(try await hostile.next() == nil, "refused and closed")
            var good = RawClient(emulator.connectInMemory())
            try await good.handshake()
            good.send(.ping(CommandPing()))
            #expect(try await good.next()?.command == .pong(CommandPong()))
        }
    }

    @Test("a consumer that never reads gets only what fits its connection's buffers; the rest waits, in order, until it reads")
    func consumerThatNeverReads() async throws {
        var configuration = EmulatorConfiguration()
        configuration.limits.maxPendingBytesPerConnection = 64 * 1024
        try await withPulsarEmulator(configuration) { emulator in
            var consumer = RawClient(emulator.connectInMemory())
            try await consumer.handshake()
            consumer.send(.subscribe(CommandSubscribe(topic: "flood", subscription: "s", subType: .exclusive, consumerId: 1, requestId: 1)))
            #expect(try await consumer.next()?.command == .success(CommandSuccess(requestId: 1)))
            consumer.send(.flow(CommandFlow(consumerId: 1, messagePermits: 1_000_000)))
            var producer = RawClient(emulator.connectInMemory())
            try await producer.handshake()
            producer.send(.producer(CommandProducer(topic: "flood", producerId: 1, requestId: 2, producerName: "p")))
            guard case .producerSuccess? = try await producer.next()?.command else { Issue.record("no PRODUCER_SUCCESS"); return }
            let payload = [UInt8](repeating: 0x61, count: 10_000)
            let count = 500  // 5 MB for a consumer that does not read
            for sequence in 0..<UInt64(count) {
                producer.send(.send(CommandSend(producerId: 1, sequenceId: sequence)),
                              metadata: MessageMetadata(producerName: "p", sequenceId: sequence, publishTime: 1), payload: payload)
                guard case .sendReceipt? = try await producer.next()?.command else { Issue.record("no receipt"); return }
            }
            let delivered = try #require(emulator.subscription("s", topic: "flood")).delivered
            // The peer's 256 KiB buffer, the stream's 256 KiB low watermark and the 64 KiB limit: about 60 messages.
            #expect(delivered < 100, "dispatch ignored the connection's backpressure")
            var sequences: [UInt64] = []
            while sequences.count < count, let frame = try await consumer.next() {
                if case .message = frame.command, let entry = frame.entry { sequences.append(try entry.metadata().sequenceId) }
            }
            #expect(sequences == Array(0..<UInt64(count)))
        }
    }

    @Test("connections beyond maxConnections are closed at once; the others are served")
    func connectionLimit() async throws {
        var configuration = EmulatorConfiguration()
        configuration.limits.maxConnections = 2
        try await withPulsarEmulator(configuration) { emulator in
            var first = RawClient(emulator.connectInMemory())
            try await first.handshake()
            var second = RawClient(emulator.connectInMemory())
            try await second.handshake()
            var third = RawClient(emulator.connectInMemory())
            third.send(.connect(CommandConnect(clientVersion: "raw", protocolVersion: 20)))
            #expect(try await third.next() == nil, "closed without an answer")
            first.send(.ping(CommandPing()))
            #expect(try await first.next()?.command == .pong(CommandPong()))
        }
    }
}
