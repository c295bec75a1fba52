import Testing
import PulsarNet
import PulsarWire
@testable import PulsarEmulator

/// Broker faults through the emulator's public API, with a raw protocol client in memory.
@Suite("Broker faults: pause, restart, unload, clock jumps", .timeLimit(.minutes(1)))
struct EmulatorFaultTests {
    /// Polls broker-side state that has no event to await; fails after 10 s of real time.
    private func eventually(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    private func manualConfiguration() -> EmulatorConfiguration {
        var configuration = EmulatorConfiguration()
        configuration.clock = ManualClock(startMilliseconds: 1_000_000)
        configuration.keepAliveInterval = .seconds(3600)
        return configuration
    }

    @Test("a paused broker keeps what arrives and answers it, in order, on resume")
    func pauseUntilResumed() async throws {
        try await withPulsarEmulator(manualConfiguration()) { emulator in
            var client = RawClient(emulator.connectInMemory())
            try await client.handshake()
            emulator.pause()
            client.send(.producer(CommandProducer(topic: "t", producerId: 1, requestId: 1)))
            client.send(.ping(CommandPing()))
            try await eventually("the reads to be kept") { emulator.faultReport.pausedReads >= 1 }
            #expect(emulator.faultReport.isPaused)
            #expect(emulator.topic("t") == nil, "nothing was handled during the pause")
            emulator.resume()
            #expect(try await client.next()?.command.type == .producerSuccess)
            #expect(try await client.next()?.command == .pong(CommandPong()))
            #expect(!emulator.faultReport.isPaused)
        }
    }

    @Test("a pause for a duration ends when the emulator's clock gets there")
    func pauseForDuration() async throws {
        try await withPulsarEmulator(manualConfiguration()) { emulator in
            var client = RawClient(emulator.connectInMemory())
            try await client.handshake()
            emulator.pause(for: .seconds(5))
            client.send(.ping(CommandPing()))
            try await eventually("the PING to be kept") { emulator.faultReport.pausedReads == 1 }
            emulator.advanceTime(by: .seconds(4))
            #expect(emulator.faultReport.isPaused)
            emulator.advanceTime(by: .seconds(1))
            #expect(try await client.next()?.command == .pong(CommandPong()))
        }
    }

    @Test("restart drops every connection and keeps every message")
    func restartKeepsState() async throws {
        try await withPulsarEmulator(manualConfiguration()) { emulator in
            var client = RawClient(emulator.connectInMemory())
            try await client.handshake()
            client.send(.producer(CommandProducer(topic: "t", producerId: 1, requestId: 1, producerName: "p")))
            #expect(try await client.next()?.command.type == .producerSuccess)
            client.send(.send(CommandSend(producerId: 1, sequenceId: 0)),
                        metadata: MessageMetadata(producerName: "p", sequenceId: 0, publishTime: 1), payload: Array("kept".utf8))
            #expect(try await client.next()?.command.type == .sendReceipt)
            emulator.restart()
            #expect(try await client.next() == nil, "the connection was dropped")
            #expect(emulator.storedEntries(topic: "t").map { String(decoding: $0.payload, as: UTF8.self) } == ["kept"])
            var again = RawClient(emulator.connectInMemory())
            try await again.handshake()
        }
    }

    @Test("unload closes the topic's producers and consumers; the topic and its messages stay")
    func unload() async throws {
        try await withPulsarEmulator(manualConfiguration()) { emulator in
            var client = RawClient(emulator.connectInMemory())
            try await client.handshake()
            client.send(.producer(CommandProducer(topic: "t", producerId: 7, requestId: 1, producerName: "p")))
            #expect(try await client.next()?.command.type == .producerSuccess)
            client.send(.subscribe(CommandSubscribe(topic: "t", subscription: "s", subType: .exclusive, consumerId: 9, requestId: 2)))
            #expect(try await client.next()?.command.type == .success)
            try emulator.unload(topic: "t")
            var closes: [Command] = []
            for _ in 0..<2 { if let frame = try await client.next() { closes.append(frame.command) } }
            #expect(closes.contains(.closeProducer(CommandCloseProducer(producerId: 7, requestId: UInt64.max))))
            #expect(closes.contains(.closeConsumer(CommandCloseConsumer(consumerId: 9, requestId: UInt64.max))))
            #expect(emulator.topic("t")?.subscription("s") != nil)
            #expect(throws: EmulatorError.self) { try emulator.unload(topic: "missing") }
            #expect(throws: EmulatorError.self) { try emulator.unload(topic: "persistent://bad") }
        }
    }

    @Test("a wall-clock jump makes a delayed message due; the monotonic clock does not move")
    func clockJump() async throws {
        try await withPulsarEmulator(manualConfiguration()) { emulator in
            let clock = try #require(emulator.configuration.clock as? ManualClock)
            let instant = clock.instant
            var client = RawClient(emulator.connectInMemory())
            try await client.handshake()
            client.send(.subscribe(CommandSubscribe(topic: "t", subscription: "s", subType: .shared, consumerId: 1, requestId: 1)))
            #expect(try await client.next()?.command.type == .success)
            client.send(.flow(CommandFlow(consumerId: 1, messagePermits: 10)))
            client.send(.producer(CommandProducer(topic: "t", producerId: 1, requestId: 2, producerName: "p")))
            #expect(try await client.next()?.command.type == .producerSuccess)
            let deliverAt = clock.now() + 3_600_000
            client.send(.send(CommandSend(producerId: 1, sequenceId: 0)),
                        metadata: MessageMetadata(producerName: "p", sequenceId: 0, publishTime: 1, deliverAtTime: deliverAt),
                        payload: Array("later".utf8))
            #expect(try await client.next()?.command.type == .sendReceipt)
            emulator.jumpClock(by: .seconds(3600))
            var message = try await client.next()
            while message?.command.type == .ping { message = try await client.next() }   // keep-alive came due too
            #expect(message?.command.type == .message)
            #expect(message?.payloadString == "later")
            #expect(clock.instant == instant)
        }
    }

    @Test("on the system clock the emulator's wall time jumps through a JumpableClock")
    func jumpableSystemClock() async throws {
        try await withPulsarEmulator { emulator in
            let clock = try #require(emulator.configuration.clock as? JumpableClock)
            emulator.jumpClock(by: .seconds(-90))
            #expect(clock.offsetMilliseconds == -90_000)
            #expect(clock.now() < SystemClock().now() - 80_000)
        }
    }

    @Test("fault arguments are checked: a count below 1, a bad topic name")
    func badArguments() async throws {
        try await withPulsarEmulator(manualConfiguration()) { emulator in
            #expect(throws: EmulatorError.self) { try emulator.failNext(.send, count: 0) }
            #expect(throws: EmulatorError.self) { try emulator.failNext(.send, topic: "persistent://only-tenant") }
            #expect(throws: EmulatorError.self) { try emulator.faultReceipts(.hold, count: -1) }
            try emulator.failNext(.send, count: 2)
            try emulator.faultReceipts(.hold, count: 3)
            #expect(emulator.faultReport.armedFailures == 2 && emulator.faultReport.armedReceipts == 3)
            emulator.clearFaults()
            #expect(emulator.faultReport == BrokerFaultReport())
        }
    }
}
