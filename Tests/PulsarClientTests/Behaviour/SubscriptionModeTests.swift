import PulsarClient
import PulsarEmulator
import PulsarWire
import Testing

@Suite("Subscription types, access modes, delayed delivery, several topics", .timeLimit(.minutes(1)))
struct SubscriptionModeTests {
    @Test("Key_Shared gives each key to one consumer, in order", arguments: BrokerKind.allCases)
    func keyShared(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic("keyshared")
            var options = ConsumerOptions()
            options.subscriptionType = .keyShared
            options.initialPosition = .earliest
            options.receiverQueueSize = 20
            let consumers = [try await client.subscribe(topic: topic, subscription: "k", options: options),
                             try await client.subscribe(topic: topic, subscription: "k", options: options)]
            var producerOptions = ProducerOptions()
            producerOptions.batchingEnabled = false
            let producer = try await client.makeProducer(topic: topic, options: producerOptions)
            let keys = (0..<8).map { "key-\($0)" }
            for index in 0..<80 {
                _ = try await producer.enqueue(bytes(String(index)), options: SendOptions(key: keys[index % keys.count]))
            }
            try await producer.flush()
            var owner: [String: Int] = [:]
            var perKey: [String: [Int]] = [:]
            var total = 0
            let deadline = ContinuousClock.now + .seconds(30)
            while total < 80 {
                guard ContinuousClock.now < deadline else {
                    Issue.record("only \(total) of 80 messages arrived within 30 s")
                    break
                }
                for (index, consumer) in consumers.enumerated() {
                    guard let message = try await consumer.receive(timeout: .milliseconds(50)) else { continue }
                    try consumer.acknowledge(message)
                    let key = try #require(message.key)
                    #expect(owner[key, default: index] == index, "\(key) went to two consumers")
                    owner[key] = index
                    perKey[key, default: []].append(Int(message.string)!)
                    total += 1
                }
            }
            for (key, values) in perKey { #expect(values == values.sorted(), "\(key) out of order") }
            await client.close()
        }
    }

    @Test("an Exclusive producer keeps others out", arguments: BrokerKind.allCases)
    func exclusiveProducer(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            try broker.skip(onPulsarLite: "it accepts a second producer next to an Exclusive one")
            let client = try broker.client()
            let topic = uniqueTopic()
            var exclusive = ProducerOptions()
            exclusive.accessMode = .exclusive
            let first = try await client.makeProducer(topic: topic, options: exclusive)
            let error = await #expect(throws: PulsarClientError.self) { _ = try await client.makeProducer(topic: topic) }
            #expect(error?.code == .producerBusy)
            await first.close()
            _ = try await client.makeProducer(topic: topic)
            await client.close()
        }
    }

    @Test("a delayed message is held by the broker, then delivered (Shared)", arguments: BrokerKind.allCases)
    func delayedDelivery(kind: BrokerKind) async throws {
        // The emulator's clock moves only when told: the message stays held however slow the machine is.
        var configuration = EmulatorConfiguration()
        configuration.clock = ManualClock()
        try await withBroker(kind, emulatorConfiguration: configuration) { broker in
            try broker.skip(onPulsarLite: "it ignores deliver_at_time and delivers at once")
            let emulator = try #require(broker.emulator)
            let client = try broker.client()
            let topic = uniqueTopic("delay")
            var options = ConsumerOptions()
            options.subscriptionType = .shared
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: options)
            let producer = try await client.makeProducer(topic: topic)
            let id = try await producer.send(bytes("later"), options: SendOptions(deliverAfter: .seconds(60)))
            #expect(id.batchIndex == -1, "delayed messages are never batched")
            #expect(emulator.subscription("s", topic: topic)?.delayedEntries == 1, "held by the broker")
            // Past the delivery time (the client set it from its own clock, a little ahead of the emulator's start).
            emulator.advanceTime(by: .seconds(120))
            let message = try #require(try await consumer.receive(timeout: .seconds(10)))
            #expect(message.string == "later")
            #expect(message.deliverAt.map { $0 >= message.publishTime + 60_000 } == true)
            #expect(emulator.subscription("s", topic: topic)?.delayedEntries == 0)
            await client.close()
        }
    }

    @Test("one consumer on several topics", arguments: BrokerKind.allCases)
    func severalTopics(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topics = [uniqueTopic("multi-a"), uniqueTopic("multi-b")]
            var options = ConsumerOptions()
            options.initialPosition = .earliest
            let consumer = try await client.subscribe(topics: topics, subscription: "both", options: options)
            #expect(consumer.topics == topics)
            for topic in topics {
                let producer = try await client.makeProducer(topic: topic)
                for index in 0..<3 { try await producer.send(bytes("\(topic.suffix(6))-\(index)")) }
            }
            let messages = try await receive(6, from: consumer, dropping: broker)
            for topic in topics {
                #expect(messages.filter { $0.topic == topic }.map(\.string) == (0..<3).map { "\(topic.suffix(6))-\($0)" })
            }
            let error = #expect(throws: PulsarClientError.self) { try consumer.acknowledge(messages[0].messageID) }
            #expect(error?.code == .invalidMessageID, "an id alone is ambiguous across topics")
            await client.close()
        }
    }

    @Test("the messages sequence ends when the consumer closes", arguments: [BrokerKind.emulator])
    func sequenceEnds(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            let consumer = try await client.subscribe(topic: topic, subscription: "s")
            let producer = try await client.makeProducer(topic: topic)
            let reader = Task {
                var seen: [String] = []
                for try await message in consumer.messages {
                    seen.append(message.string)
                    try consumer.acknowledge(message)
                    if seen.count == 3 { await consumer.close() }
                }
                return seen
            }
            for index in 0..<3 { try await producer.send(bytes(String(index))) }
            #expect(try await reader.value == ["0", "1", "2"])
            await client.close()
        }
    }
}
