import PulsarClient
import PulsarWire
import Testing

@Suite("Acknowledgement, negative acknowledgement, ack timeout", .timeLimit(.minutes(1)))
struct AcknowledgementTests {
    func options(_ type: SubscriptionType, _ configure: (inout ConsumerOptions) -> Void = { _ in }) -> ConsumerOptions {
        var options = ConsumerOptions()
        options.initialPosition = .earliest
        options.subscriptionType = type
        options.ackGroupingInterval = .milliseconds(10)
        configure(&options)
        return options
    }

    func produce(_ count: Int, to topic: String, with client: PulsarClient, batching: Bool = false) async throws {
        var options = ProducerOptions()
        options.batchingEnabled = batching
        let producer = try await client.makeProducer(topic: topic, options: options)
        for index in 0..<count { _ = try await producer.enqueue(bytes(String(index))) }
        try await producer.flush()
        await producer.close()
    }

    @Test("acknowledged messages are not redelivered; the others are", arguments: BrokerKind.allCases)
    func individual(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            let first = try await client.subscribe(topic: topic, subscription: "s", options: options(.exclusive))
            try await produce(10, to: topic, with: client)
            let messages = try await receive(10, from: first, acknowledge: false, dropping: broker)
            for message in messages where Int(message.string)! % 2 == 0 { try first.acknowledge(message) }
            await first.close()
            let second = try await client.subscribe(topic: topic, subscription: "s", options: options(.exclusive))
            let again = try await receive(5, from: second, dropping: broker)
            #expect(again.map(\.string) == ["1", "3", "5", "7", "9"])
            try await expectMarkerNext(on: second, topic: topic, client: client, broker: broker, received: messages + again)
            await client.close()
        }
    }

    @Test("a batch is redelivered only for its unacknowledged messages", arguments: BrokerKind.allCases)
    func batchPartialAcknowledgement(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: options(.exclusive))
            try await produce(3, to: topic, with: client, batching: true)
            let messages = try await receive(3, from: consumer, acknowledge: false, dropping: broker)
            #expect(Set(messages.map(\.messageID.entryId)).count == 1, "one batched entry")
            try consumer.acknowledge(messages[1])
            try consumer.redeliverUnacknowledgedMessages()
            if broker.kind == .pulsarLite {
                print("SKIPPED on pulsar-lite: the redelivery half of batchPartialAcknowledgement: it ignores REDELIVER on Exclusive subscriptions")
                await client.close()
                return
            }
            let again = try await receive(2, from: consumer)
            #expect(again.map(\.string) == ["0", "2"], "the acknowledged index is filtered out")
            await client.close()
        }
    }

    @Test("cumulative acknowledgement covers every earlier message", arguments: BrokerKind.allCases)
    func cumulative(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            let first = try await client.subscribe(topic: topic, subscription: "s", options: options(.exclusive))
            try await produce(10, to: topic, with: client)
            let messages = try await receive(10, from: first, acknowledge: false, dropping: broker)
            try first.acknowledgeCumulative(messages[5])
            await first.close()
            let second = try await client.subscribe(topic: topic, subscription: "s", options: options(.exclusive))
            let rest = try await receive(4, from: second, dropping: broker)
            #expect(rest.map(\.string) == ["6", "7", "8", "9"])
            let shared = try await client.subscribe(topic: topic, subscription: "shared", options: options(.shared))
            let error = #expect(throws: PulsarClientError.self) { try shared.acknowledgeCumulative(rest[0].messageID) }
            #expect(error?.code == .notSupported)
            await client.close()
        }
    }

    @Test("a negatively acknowledged message comes back after the delay (Shared)", arguments: BrokerKind.allCases)
    func negativeAcknowledgementShared(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: options(.shared) {
                $0.nackRedeliveryDelay = .milliseconds(100)
            })
            try await produce(3, to: topic, with: client)
            let messages = try await receive(3, from: consumer, acknowledge: false, dropping: broker)
            try consumer.acknowledge(messages[0])
            try consumer.acknowledge(messages[2])
            try consumer.negativeAcknowledge(messages[1])
            let again = try #require(try await consumer.receive(timeout: .seconds(10)))
            #expect(again.string == "1")
            #expect(again.messageID == messages[1].messageID)
            #expect(again.redeliveryCount == 1)
            try consumer.acknowledge(again)
            await client.close()
        }
    }

    @Test("a negative acknowledgement on Exclusive redelivers every unacknowledged message", arguments: BrokerKind.allCases)
    func negativeAcknowledgementExclusive(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            try broker.skip(onPulsarLite: "it ignores REDELIVER_UNACKNOWLEDGED_MESSAGES on Exclusive subscriptions")
            let client = try broker.client()
            let topic = uniqueTopic()
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: options(.exclusive) {
                $0.nackRedeliveryDelay = .milliseconds(50)
            })
            try await produce(3, to: topic, with: client)
            let messages = try await receive(3, from: consumer, acknowledge: false)
            try consumer.acknowledge(messages[0])
            try consumer.negativeAcknowledge(messages[1])
            // Like Apache Pulsar, the broker rewinds: message 2 (received, not acknowledged) comes back too.
            let again = try await receive(2, from: consumer)
            #expect(again.map(\.string) == ["1", "2"])
            #expect(again.allSatisfy { $0.redeliveryCount == 0 }, "Exclusive subscriptions do not count redeliveries")
            await client.close()
        }
    }

    /// The ack-timeout clock starts when `receive` hands a message over, and the test acknowledges it after its task
    /// resumes: a stall longer than the ack timeout in between makes an acknowledged message come back, rightly. With
    /// 200 ms that happened on a loaded machine; 1 s keeps such stalls out of the test's way.
    @Test("a message not acknowledged within the ack timeout comes back", arguments: BrokerKind.allCases)
    func ackTimeout(kind: BrokerKind) async throws {
        let ackTimeout = Duration.seconds(1)
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: options(.shared) {
                $0.ackTimeout = ackTimeout
            })
            try await produce(2, to: topic, with: client)
            let messages = try await receive(2, from: consumer, acknowledge: false, dropping: broker)
            try consumer.acknowledge(messages[0])
            var again = try #require(try await consumer.receive(timeout: .seconds(10)))
            if again.string == "0" {
                // The machine stalled for longer than the ack timeout before the acknowledgement went out: message 0
                // timed out too. Acknowledged now, it does not come again.
                try consumer.acknowledge(again)
                again = try #require(try await consumer.receive(timeout: .seconds(10)))
            }
            #expect(again.string == "1")
            #expect(again.redeliveryCount >= 1)
            try consumer.acknowledge(again)
            // No event shows that a timer did not fire: wait twice the ack timeout for a redelivery that must not come.
            try await expectNothing(from: consumer, within: ackTimeout * 2)
            await client.close()
        }
    }
}
