import PulsarClient
import PulsarWire
import Testing

@Suite("Dead-letter and retry-letter topics", .timeLimit(.minutes(1)))
struct DeadLetterTests {
    @Test("past maxRedeliverCount a message goes to the dead-letter topic", arguments: BrokerKind.allCases)
    func deadLetter(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic("dlq")
            let deadTopic = "\(topic)-work-DLQ"
            var deadOptions = ConsumerOptions()
            deadOptions.initialPosition = .earliest
            let dead = try await client.subscribe(topic: deadTopic, subscription: "inspect", options: deadOptions)
            var options = ConsumerOptions()
            options.subscriptionType = .shared
            options.initialPosition = .earliest
            options.nackRedeliveryDelay = .milliseconds(20)
            options.deadLetterPolicy = DeadLetterPolicy(maxRedeliverCount: 2)
            let consumer = try await client.subscribe(topic: topic, subscription: "work", options: options)
            let producer = try await client.makeProducer(topic: topic)
            let id = try await producer.send(bytes("poison"), options: SendOptions(key: "k", properties: ["a": "b"]))
            var counts: [UInt32] = []
            for _ in 0..<3 {
                let message = try #require(try await consumer.receive(timeout: .seconds(10)))
                #expect(message.string == "poison")
                counts.append(message.redeliveryCount)
                try consumer.negativeAcknowledge(message)
            }
            #expect(counts == [0, 1, 2], "delivered once, then redelivered twice")
            let letter = try #require(try await dead.receive(timeout: .seconds(10)))
            #expect(letter.string == "poison")
            #expect(letter.key == "k")
            #expect(letter.properties["a"] == "b")
            #expect(letter.properties["REAL_TOPIC"] == topic)
            #expect(letter.properties["ORIGIN_MESSAGE_ID"] == id.description)
            // The original was acknowledged once dead-lettered: the broker holds nothing for this subscription, and
            // the next message is a later one.
            if let emulator = broker.emulator {
                try await eventually("the dead-lettered original to be acknowledged") {
                    emulator.subscription("work", topic: topic).map { $0.backlog == 0 && $0.unacknowledged == 0 } == true
                }
            }
            try await expectMarkerNext(on: consumer, topic: topic, client: client, broker: broker)
            await client.close()
        }
    }

    @Test("reconsumeLater goes through the retry topic, then to the dead-letter topic", arguments: BrokerKind.allCases)
    func retryLetter(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic("retry")
            var deadOptions = ConsumerOptions()
            deadOptions.initialPosition = .earliest
            let dead = try await client.subscribe(topic: "\(topic)-work-DLQ", subscription: "inspect", options: deadOptions)
            var options = ConsumerOptions()
            options.subscriptionType = .shared
            options.initialPosition = .earliest
            options.retryEnabled = true
            options.deadLetterPolicy = DeadLetterPolicy(maxRedeliverCount: 2)
            let consumer = try await client.subscribe(topic: topic, subscription: "work", options: options)
            #expect(consumer.topics == [topic])
            let producer = try await client.makeProducer(topic: topic)
            try await producer.send(bytes("later"))
            var seen: [(topic: String, times: String?)] = []
            for _ in 0..<3 {
                let message = try #require(try await consumer.receive(timeout: .seconds(10)))
                #expect(message.string == "later")
                seen.append((message.topic, message.properties["RECONSUMETIMES"]))
                try await consumer.reconsumeLater(message, delay: .milliseconds(50))
            }
            #expect(seen.map(\.topic) == [topic, "\(topic)-work-RETRY", "\(topic)-work-RETRY"])
            #expect(seen.map(\.times) == [nil, "1", "2"])
            let letter = try #require(try await dead.receive(timeout: .seconds(10)))
            #expect(letter.string == "later")
            #expect(letter.properties["RECONSUMETIMES"] == "3")
            #expect(letter.properties["REAL_TOPIC"] == topic)
            await client.close()
        }
    }
}
