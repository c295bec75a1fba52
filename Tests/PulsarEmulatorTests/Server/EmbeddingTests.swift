import Testing
import PulsarNet
import PulsarWire
@testable import PulsarEmulator

/// A raw protocol client for tests: frames out, frames in, over any ByteStream.
struct RawClient {
    let stream: any ByteStream
    var decoder = FrameDecoder()

    init(_ stream: any ByteStream) { self.stream = stream }

    func send(_ command: Command) { stream.enqueue(FrameEncoder.encode(command)) }

    func send(_ command: Command, metadata: MessageMetadata, payload: [UInt8]) {
        var bytes: [UInt8] = []
        FrameEncoder.encode(command, metadata: metadata, payload: payload, into: &bytes)
        stream.enqueue(bytes)
    }

    /// The next frame, or nil when the broker closed the stream.
    mutating func next() async throws -> Frame? {
        while true {
            if let frame = try decoder.next() { return frame }
            guard let bytes = try await stream.read(maxLength: 65536) else { return nil }
            decoder.append(bytes)
        }
    }

    mutating func handshake() async throws {
        send(.connect(CommandConnect(clientVersion: "raw", protocolVersion: 20)))
        guard case .connected? = try await next()?.command else { throw RawClientError.unexpected }
    }
}

enum RawClientError: Error { case unexpected }

@Suite("Embedding API", .timeLimit(.minutes(1)))
struct EmbeddingTests {
    @Test("start binds a real port and reports it; shutdown is idempotent")
    func startAndShutdown() async throws {
        let emulator = try await PulsarEmulator.start()
        #expect(emulator.port > 0)
        #expect(emulator.serviceURL == "pulsar://127.0.0.1:\(emulator.port)")
        let connection = try await TCPConnection.connect(host: "127.0.0.1", port: emulator.port, timeout: .seconds(5))
        var client = RawClient(connection)
        try await client.handshake()
        await emulator.shutdown()
        #expect(try await client.next() == nil, "shutdown closes client connections")
        await emulator.shutdown()
    }

    @Test("withPulsarEmulator shuts down when the body throws")
    func scoped() async throws {
        struct Boom: Error {}
        var port = 0
        await #expect(throws: Boom.self) {
            try await withPulsarEmulator { emulator in
                port = emulator.port
                throw Boom()
            }
        }
        await #expect(throws: NetError.self) {
            _ = try await TCPConnection.connect(host: "127.0.0.1", port: port, timeout: .seconds(5))
        }
    }

    @Test("in-memory clients need no port, and introspection sees what they did")
    func inMemoryAndIntrospection() async throws {
        try await withPulsarEmulator { emulator in
            var client = RawClient(emulator.connectInMemory())
            try await client.handshake()
            client.send(.subscribe(CommandSubscribe(topic: "orders", subscription: "billing", subType: .shared, consumerId: 1, requestId: 1)))
            #expect(try await client.next()?.command == .success(CommandSuccess(requestId: 1)))
            client.send(.producer(CommandProducer(topic: "orders", producerId: 1, requestId: 2, producerName: "orders-producer")))
            guard case .producerSuccess? = try await client.next()?.command else { Issue.record("no PRODUCER_SUCCESS"); return }
            for sequence in UInt64(0)..<3 {
                client.send(.send(CommandSend(producerId: 1, sequenceId: sequence)),
                            metadata: MessageMetadata(producerName: "orders-producer", sequenceId: sequence, publishTime: 1),
                            payload: Array("order-\(sequence)".utf8))
                guard case .sendReceipt? = try await client.next()?.command else { Issue.record("no receipt"); return }
            }
            let topic = try #require(emulator.topic("orders"))
            #expect(topic.name == "persistent://public/default/orders")
            #expect(topic.storedMessages == 3)
            #expect(topic.producers.map(\.name) == ["orders-producer"])
            let subscription = try #require(topic.subscription("billing"))
            #expect(subscription.type == .shared)
            #expect(subscription.backlog == 3)
            #expect(subscription.consumers.count == 1)
            #expect(emulator.storedEntries(topic: "orders").map { String(decoding: $0.payload, as: UTF8.self) }
                    == ["order-0", "order-1", "order-2"])
            #expect(emulator.connections().first?.clientVersion == "raw")
        }
    }

    @Test("a manual clock drives keep-alive without waiting")
    func manualClock() async throws {
        var configuration = EmulatorConfiguration()
        let clock = ManualClock(startMilliseconds: 1_000_000)
        configuration.clock = clock
        configuration.keepAliveInterval = .seconds(30)
        try await withPulsarEmulator(configuration) { emulator in
            var client = RawClient(emulator.connectInMemory())
            try await client.handshake()
            emulator.advanceTime(by: .seconds(30))
            #expect(try await client.next()?.command == .ping(CommandPing()))
            emulator.advanceTime(by: .seconds(30))
            #expect(try await client.next() == nil, "no answer to the PING: closed")
        }
    }

    @Test("garbage on one connection closes it and the others keep being served")
    func garbage() async throws {
        try await withPulsarEmulator { emulator in
            var good = RawClient(emulator.connectInMemory())
            try await good.handshake()
            var bad = RawClient(emulator.connectInMemory())
            try await bad.handshake()
            bad.stream.enqueue([0, 0, 0, 9, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff])
            #expect(try await bad.next() == nil)
            good.send(.ping(CommandPing()))
            #expect(try await good.next()?.command == .pong(CommandPong()))
        }
    }
}
