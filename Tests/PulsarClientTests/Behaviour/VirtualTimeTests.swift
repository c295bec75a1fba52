import PulsarClient
import PulsarEmulator
import Synchronization
import Testing

/// One `ManualClock` shared by the emulator and a client connected in memory: every protocol timer of both waits for
/// the test to advance it, so a minute of protocol time takes milliseconds.
@Suite("Virtual time shared by the client and the emulator", .timeLimit(.minutes(1)))
struct VirtualTimeTests {
    /// Runs `body` with an emulator and a client on one manual clock (in memory, no port).
    func withVirtualTime(_ configure: @escaping @Sendable (inout ClientConfiguration) -> Void = { _ in },
                         _ body: (ManualClock, PulsarEmulator, PulsarClient) async throws -> Void) async throws {
        let clock = ManualClock()
        var emulatorConfiguration = EmulatorConfiguration()
        emulatorConfiguration.clock = clock
        try await withPulsarEmulator(emulatorConfiguration) { emulator in
            var configuration = ClientConfiguration(serviceURL: emulator.serviceURL)
            configuration.connector = Connector { _, _ in emulator.connectInMemory() }
            configuration.clock = clock
            configuration.logger = .silent
            configure(&configuration)
            let client = try PulsarClient(configuration: configuration)
            do {
                try await body(clock, emulator, client)
                await client.close()
            } catch {
                await client.close()
                throw error
            }
        }
    }

    /// Both timers sleep again, until a deadline after `instant`.
    static func sleeping(_ clock: ManualClock, after instant: PulsarInstant) -> Bool {
        guard clock.pendingSleepers == 2, let next = clock.nextWakeUp else { return false }
        return next > instant
    }

    @Test("a nacked message comes back after 60 s of virtual time, not before")
    func nackRedeliveryDelay() async throws {
        try await withVirtualTime { clock, _, client in
            var options = ConsumerOptions()
            options.subscriptionType = .shared
            let consumer = try await client.subscribe(topic: "vt-nack", subscription: "s", options: options)
            let producer = try await client.makeProducer(topic: "vt-nack")
            _ = try await producer.send(Array("hello".utf8))
            let first = try await consumer.receive()
            let nackedAt = clock.instant
            try consumer.negativeAcknowledge(first)
            let redelivered = Task { try await consumer.receive() }
            clock.advance(by: .seconds(59))
            // The client's timer now sleeps until the nack delay ends (keep-alives at 30 s have been handled).
            try await eventually("the timer sleeping until the nack delay ends") { clock.nextWakeUp == nackedAt + .seconds(60) }
            clock.advance(by: .seconds(1))
            let again = try await redelivered.value
            #expect(again.payload == Array("hello".utf8))
            #expect(again.redeliveryCount == 1)
        }
    }

    @Test("an unacknowledged message comes back when the virtual ack timeout passes")
    func ackTimeout() async throws {
        try await withVirtualTime { clock, _, client in
            var options = ConsumerOptions()
            options.subscriptionType = .shared
            options.ackTimeout = .seconds(10)
            let consumer = try await client.subscribe(topic: "vt-ack-timeout", subscription: "s", options: options)
            let producer = try await client.makeProducer(topic: "vt-ack-timeout")
            _ = try await producer.send(Array("x".utf8))
            _ = try await consumer.receive()
            let receivedAt = clock.instant
            let redelivered = Task { try await consumer.receive() }
            try await eventually("the timer sleeping until the ack timeout") { clock.nextWakeUp == receivedAt + .seconds(10) }
            clock.advance(by: .seconds(10))
            #expect(try await redelivered.value.redeliveryCount == 1)
        }
    }

    @Test("a batched send completes only when virtual time passes the batching delay")
    func batchDelay() async throws {
        try await withVirtualTime { clock, emulator, client in
            var options = ProducerOptions()
            options.batchingMaxPublishDelay = .milliseconds(10)
            let producer = try await client.makeProducer(topic: "vt-batch", options: options)
            let start = clock.instant
            let receipt = try await producer.enqueue(Array("batched".utf8))
            try await eventually("the timer sleeping until the batching delay") { clock.nextWakeUp == start + .milliseconds(10) }
            #expect(receipt.result == nil)
            #expect((emulator.topic("vt-batch")?.storedMessages ?? 0) == 0)
            clock.advance(by: .milliseconds(10))
            _ = try await receipt.messageID()
            #expect(emulator.topic("vt-batch")?.storedMessages == 1)
        }
    }

    @Test("send timeout and reconnect backoff run on virtual time")
    func sendTimeoutAndReconnectBackoff() async throws {
        try await withVirtualTime({ configuration in
            configuration.initialReconnectBackoff = .seconds(60)
            configuration.maxReconnectBackoff = .seconds(60)
        }) { clock, emulator, client in
            var options = ProducerOptions()
            options.batchingEnabled = false
            options.sendTimeout = .seconds(5)
            let producer = try await client.makeProducer(topic: "vt-send-timeout", options: options)
            emulator.disconnectAllClients()
            try await eventually("every connection closed") { emulator.connections().isEmpty }
            let receipt = try await producer.enqueue(Array("lost".utf8))
            let enqueuedAt = clock.instant
            try await eventually("the timer sleeping until the send timeout") { clock.nextWakeUp == enqueuedAt + .seconds(5) }
            clock.advance(by: .seconds(5))
            await #expect(throws: PulsarClientError.self) { try await receipt.messageID() }
            #expect(emulator.connections().isEmpty)  // the reconnect backoff (about 60 s) has not passed
            var steps = 0
            while emulator.topic("vt-send-timeout")?.producers.first?.isReady != true, steps < 50 {
                clock.advanceToNextWakeUp()
                _ = await poll(within: .milliseconds(100)) { emulator.topic("vt-send-timeout")?.producers.first?.isReady == true }
                steps += 1
            }
            #expect(clock.instant >= enqueuedAt + .seconds(30))  // with jitter, at least half the backoff
            _ = try await producer.send(Array("after".utf8))
        }
    }

    @Test("advancing the shared clock alone wakes the broker's delayed delivery, with no call into the emulator")
    func brokerTimersWakeOnTheSharedClock() async throws {
        try await withVirtualTime { clock, _, client in
            var options = ConsumerOptions()
            options.subscriptionType = .shared
            let consumer = try await client.subscribe(topic: "vt-delayed", subscription: "s", options: options)
            let producer = try await client.makeProducer(topic: "vt-delayed")
            var send = SendOptions()
            send.deliverAfter = .seconds(600)
            _ = try await producer.send(Array("later".utf8), options: send)
            let delivered = Task { try await consumer.receive() }
            clock.advance(by: .seconds(599))
            try await eventually("a timer due by the delivery time") { clock.nextWakeUp.map { $0 <= .zero + .seconds(600) } ?? false }
            clock.advance(by: .seconds(1))
            #expect(try await delivered.value.payload == Array("later".utf8))
        }
    }

    @Test("an idle client with a producer and a consumer sleeps until its keep-alive, and nothing else wakes")
    func idleClientHasOnlyKeepAlive() async throws {
        try await withVirtualTime { clock, _, client in
            let start = clock.instant
            let producer = try await client.makeProducer(topic: "vt-idle")
            let consumer = try await client.subscribe(topic: "vt-idle", subscription: "s")
            _ = try await producer.send(Array("one".utf8))
            try consumer.acknowledge(try await consumer.receive())
            try consumer.flushAcknowledgements()
            // Deadlines that moved later (the handshake's, an acknowledgement group flushed by hand) are not
            // withdrawn: the timer wakes once at each, finds nothing due, and sleeps on. A handful at most.
            try await eventually("two sleepers") { clock.pendingSleepers == 2 }
            for _ in 0..<5 {
                guard let next = clock.nextWakeUp, next < start + .seconds(30) else { break }
                clock.advanceToNextWakeUp()
                try await eventually("both timers asleep again after \(next)") { Self.sleeping(clock, after: next) }
            }
            // Then two sleepers: the client's timer and the emulator's, both waiting for the 30 s keep-alive.
            try await eventually("two sleepers waiting for the keep-alive; sleepers \(clock.pendingSleepers), next wake-up \(String(describing: clock.nextWakeUp))") {
                clock.pendingSleepers == 2 && clock.nextWakeUp == start + .seconds(30)
            }
            clock.advance(by: clock.instant.duration(to: start + .seconds(30)))
            // After the keep-alive PING and PONG, nothing is due before the next keep-alive, 30 s later.
            try await eventually("two sleepers waiting for the next keep-alive; sleepers \(clock.pendingSleepers), next wake-up \(String(describing: clock.nextWakeUp))") {
                clock.pendingSleepers == 2 && clock.nextWakeUp == start + .seconds(60)
            }
        }
    }
}
