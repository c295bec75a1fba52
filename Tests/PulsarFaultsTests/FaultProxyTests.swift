import Testing
import PulsarClient
import PulsarEmulator
import PulsarNet
@testable import PulsarFaults

/// The proxy between the Swift client and an emulator on loopback TCP.
@Suite("Fault proxy", .timeLimit(.minutes(1)))
struct FaultProxyTests {
    /// An emulator on TCP, a proxy in front of it, and a client of the proxy.
    private func withProxy(rewritesLookups: Bool = true,
                           _ body: (PulsarEmulator, FaultProxy, PulsarClient) async throws -> Void) async throws {
        let emulator = try await PulsarEmulator.start()
        var configuration = FaultProxy.Configuration(upstream: "127.0.0.1:\(emulator.port)")
        configuration.rewritesLookups = rewritesLookups
        let proxy = try await FaultProxy.start(configuration)
        var clientConfiguration = ClientConfiguration(serviceURL: proxy.serviceURL)
        clientConfiguration.operationTimeout = .seconds(10)
        clientConfiguration.initialReconnectBackoff = .milliseconds(10)
        clientConfiguration.maxReconnectBackoff = .milliseconds(100)
        clientConfiguration.logger = .silent
        let client = try PulsarClient(configuration: clientConfiguration)
        do {
            try await body(emulator, proxy, client)
        } catch {
            await client.close()
            await proxy.shutdown()
            await emulator.shutdown()
            throw error
        }
        await client.close()
        await proxy.shutdown()
        await emulator.shutdown()
    }

    private func consumerOptions() -> ConsumerOptions {
        var options = ConsumerOptions()
        options.initialPosition = .earliest
        return options
    }

    private func receive(_ consumer: Consumer, _ count: Int) async throws -> [String] {
        var texts: [String] = []
        for _ in 0..<count {
            guard let message = try await consumer.receive(timeout: .seconds(10)) else { break }
            texts.append(String(decoding: message.payload, as: UTF8.self))
            try consumer.acknowledge(message)
        }
        return texts
    }

    @Test("lookups are rewritten: every connection the broker sees comes through the proxy")
    func trafficStaysOnTheProxy() async throws {
        try await withProxy { emulator, proxy, client in
            let producer = try await client.makeProducer(topic: "t")
            let consumer = try await client.subscribe(topic: "t", subscription: "s", options: consumerOptions())
            _ = try await producer.send("hello")
            #expect(try await receive(consumer, 1) == ["hello"])
            #expect(emulator.connections().count == proxy.connectionCount)
            #expect(proxy.connectionCount >= 1)
        }
    }

    @Test("without the rewrite the client follows the lookup around the proxy (why the rewrite exists)")
    func withoutRewriteTheClientBypasses() async throws {
        try await withProxy(rewritesLookups: false) { emulator, proxy, client in
            let producer = try await client.makeProducer(topic: "t")
            _ = try await producer.send("x")
            #expect(emulator.connections().count > proxy.connectionCount)
        }
    }

    @Test("sliced into 1 to 5 byte pieces both ways, every frame is reassembled and nothing is lost")
    func slicedFrames() async throws {
        try await withProxy { _, proxy, client in
            try proxy.addToxic(Toxic(.slicer(averageSize: 3, sizeVariation: 2, delayMicroseconds: 0), stream: .downstream))
            try proxy.addToxic(Toxic(.slicer(averageSize: 3, sizeVariation: 2, delayMicroseconds: 0), stream: .upstream))
            let producer = try await client.makeProducer(topic: "t")
            let consumer = try await client.subscribe(topic: "t", subscription: "s", options: consumerOptions())
            for index in 0..<50 { _ = try await producer.send("message-\(index)") }
            #expect(try await receive(consumer, 50) == (0..<50).map { "message-\($0)" })
        }
    }

    @Test("toxics added and removed while messages flow lose and reorder nothing")
    func toxicsChangeMidStream() async throws {
        try await withProxy { _, proxy, client in
            let producer = try await client.makeProducer(topic: "t")
            let consumer = try await client.subscribe(topic: "t", subscription: "s", options: consumerOptions())
            for index in 0..<60 {
                switch index % 20 {
                case 5: try proxy.addToxic(Toxic(.latency(milliseconds: 2, jitter: 2), stream: .upstream))
                case 10: try proxy.addToxic(Toxic(.slicer(averageSize: 7, sizeVariation: 3, delayMicroseconds: 50)))
                case 15: proxy.removeAllToxics()
                default: break
                }
                await producer.sendAsync(Array("m\(index)".utf8)) { _ in }
            }
            try await producer.flush()
            #expect(try await receive(consumer, 60) == (0..<60).map { "m\($0)" })
        }
    }

    @Test("down cuts every connection and refuses new ones; up again, the client reconnects and carries on")
    func downAndUp() async throws {
        try await withProxy { emulator, proxy, client in
            let producer = try await client.makeProducer(topic: "t")
            let consumer = try await client.subscribe(topic: "t", subscription: "s", options: consumerOptions())
            _ = try await producer.send("before")
            try proxy.setEnabled(false)
            #expect(!proxy.isEnabled && proxy.connectionCount == 0)
            let pending = Task { try await producer.send("during") }   // waits for the reconnection
            try proxy.setEnabled(true)
            _ = try await pending.value
            _ = try await producer.send("after")
            #expect(try await receive(consumer, 3) == ["before", "during", "after"])
            #expect(emulator.connections().count == proxy.connectionCount)
        }
    }

    @Test("reset_peer resets the connections; once it is removed, the client reconnects without losing a message")
    func resetPeer() async throws {
        try await withProxy { _, proxy, client in
            let producer = try await client.makeProducer(topic: "t")
            let consumer = try await client.subscribe(topic: "t", subscription: "s", options: consumerOptions())
            _ = try await producer.send("before")
            try proxy.addToxic(Toxic(.resetPeer(timeout: 0)))
            try proxy.removeToxic(named: "reset_peer_downstream")
            _ = try await producer.send("after")
            let texts = try await receive(consumer, 2)
            #expect(texts == ["before", "after"])
        }
    }

    @Test("frame rules on live traffic: a refused SEND is sent again, an injected CLOSE_PRODUCER is recovered from")
    func frameRulesOnLiveTraffic() async throws {
        try await withProxy { emulator, proxy, client in
            try proxy.addRule(FrameRule("refuse-send", match: FrameMatch(commands: ["SEND"], topic: "t"),
                                        action: .refuse(.serviceNotReady), count: 1))
            try proxy.addRule(FrameRule("close", match: FrameMatch(commands: ["SEND_RECEIPT"]), action: .closeProducer,
                                        count: 1, after: 2))
            let producer = try await client.makeProducer(topic: "t")
            let consumer = try await client.subscribe(topic: "t", subscription: "s", options: consumerOptions())
            for index in 0..<6 { _ = try await producer.send("m\(index)") }
            #expect(try await receive(consumer, 6) == (0..<6).map { "m\($0)" })
            #expect(proxy.ruleFirings == ["refuse-send": 1, "close": 1])
            #expect(emulator.topic("t")?.storedMessages == 6, "the refused SEND never reached the broker")
        }
    }

    @Test("bad toxics and names are refused with a clear error")
    func badInput() async throws {
        try await withProxy { _, proxy, _ in
            #expect(throws: FaultProxyError.self) { try proxy.addToxic(Toxic(.latency(milliseconds: -1, jitter: 0))) }
            #expect(throws: FaultProxyError.self) { try proxy.addToxic(Toxic(.slicer(averageSize: 0, sizeVariation: 0, delayMicroseconds: 0))) }
            #expect(throws: FaultProxyError.self) { try proxy.addToxic(Toxic(.timeout(milliseconds: 0), toxicity: 2)) }
            try proxy.addToxic(Toxic(.latency(milliseconds: 1, jitter: 0)))
            #expect(throws: FaultProxyError.self) { try proxy.addToxic(Toxic(.latency(milliseconds: 1, jitter: 0))) }
            #expect(throws: FaultProxyError.self) { try proxy.removeToxic(named: "nope") }
            #expect(throws: FaultProxyError.self) { try proxy.setUpstream("no-port") }
            #expect(throws: FaultProxyError.self) { try proxy.addRule(FrameRule("p", match: FrameMatch(), action: .drop, probability: 2)) }
            #expect(throws: FaultProxyError.self) { try proxy.addRule(FrameRule("t", match: FrameMatch(topic: "persistent://x"), action: .drop)) }
            try proxy.addRule(.stopAnsweringPings())
            #expect(throws: FaultProxyError.self) { try proxy.addRule(.stopAnsweringPings()) }
            #expect(throws: FaultProxyError.self) { try proxy.removeRule(named: "nope") }
        }
        await #expect(throws: FaultProxyError.self) { try await FaultProxy.start(.init(upstream: "localhost")) }
        var advertised = FaultProxy.Configuration(upstream: "127.0.0.1:6650")
        advertised.advertisedAddress = "no-port"
        await #expect(throws: FaultProxyError.self) { try await FaultProxy.start(advertised) }
    }

    @Test("a wildcard listen address is advertised as loopback; an advertised address wins")
    func advertisedAddress() async throws {
        let plain = FaultProxy.Configuration(upstream: "127.0.0.1:6650")   // tests bind loopback only: the mapping alone
        #expect(FaultProxy.serviceURL(plain, bound: try SocketAddress(ipAddress: "0.0.0.0", port: 16650)) == "pulsar://127.0.0.1:16650")
        #expect(FaultProxy.serviceURL(plain, bound: try SocketAddress(ipAddress: "::", port: 16650)) == "pulsar://[::1]:16650")
        var configuration = FaultProxy.Configuration(upstream: "127.0.0.1:6650")
        configuration.advertisedAddress = "pulsar-proxy:16650"
        let named = try await FaultProxy.start(configuration)
        #expect(named.serviceURL == "pulsar://pulsar-proxy:16650")
        await named.shutdown()
    }
}
