import PulsarClient
import PulsarWire
import Testing

@Suite("Produce and consume", .timeLimit(.minutes(1)))
struct ProduceConsumeTests {
    func earliest(_ type: SubscriptionType = .exclusive) -> ConsumerOptions {
        var options = ConsumerOptions()
        options.initialPosition = .earliest
        options.subscriptionType = type
        return options
    }

    @Test("messages sent are received in order with their ids", arguments: BrokerKind.allCases)
    func roundTrip(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: earliest())
            let producer = try await client.makeProducer(topic: topic)
            var ids: [MessageID] = []
            for index in 0..<10 { ids.append(try await producer.send(bytes("message-\(index)"))) }
            let messages = try await receive(10, from: consumer, dropping: broker)
            #expect(messages.map(\.string) == (0..<10).map { "message-\($0)" })
            #expect(messages.map(\.messageID) == ids)
            #expect(messages.allSatisfy { $0.topic == topic && $0.producerName == producer.name })
            await client.close()
        }
    }

    @Test("pipelined sends are batched into few entries", arguments: BrokerKind.allCases)
    func batching(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: earliest())
            var options = ProducerOptions()
            options.batchingMaxMessages = 50
            options.batchingMaxPublishDelay = .seconds(5)
            let producer = try await client.makeProducer(topic: topic, options: options)
            var receipts: [SendReceipt] = []
            for index in 0..<200 { receipts.append(try await producer.enqueue(bytes("m\(index)"))) }
            try await producer.flush()
            var ids: [MessageID] = []
            for receipt in receipts { ids.append(try await receipt.messageID()) }
            #expect(Set(ids.map { $0.entryId }).count == 4, "200 messages in batches of 50")
            #expect(ids.map(\.batchIndex) == (0..<200).map { Int32($0 % 50) })
            if let emulator = broker.emulator {
                #expect(emulator.topic(topic)?.storedEntries == 4)
                #expect(emulator.topic(topic)?.storedMessages == 200)
            }
            let messages = try await receive(200, from: consumer, dropping: broker)
            #expect(messages.map(\.string) == (0..<200).map { "m\($0)" })
            #expect(messages.map(\.messageID) == ids)
            await client.close()
        }
    }

    @Test("each compression codec, batched and not", arguments: BrokerKind.allCases,
          [PayloadCompression.Codec.lz4, .zlib, .zstd, .snappy])
    func compression(kind: BrokerKind, codec: PayloadCompression.Codec) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic("codec")
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: earliest())
            let text = String(repeating: "pulsar compresses this well. ", count: 40)
            for batching in [true, false] {
                var options = ProducerOptions()
                options.compression = codec
                options.batchingEnabled = batching
                let producer = try await client.makeProducer(topic: topic, options: options)
                var receipts: [SendReceipt] = []
                for index in 0..<5 { receipts.append(try await producer.enqueue(bytes("\(index) \(text)"))) }
                try await producer.flush()
                await producer.close()
            }
            let messages = try await receive(10, from: consumer, dropping: broker)
            #expect(messages.map(\.string) == (0..<10).map { "\($0 % 5) \(text)" })
            if let emulator = broker.emulator {
                let stored = try emulator.storedEntries(topic: topic).map { try $0.metadata() }
                #expect(stored.allSatisfy { $0.compression.rawValue == codec.rawValue && $0.uncompressedSize > 0 })
            }
            await client.close()
        }
    }

    @Test("keys, ordering keys, properties, event time and sequence ids travel", arguments: BrokerKind.allCases)
    func metadata(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: earliest())
            let options = SendOptions(key: "customer-7", orderingKey: [1, 2, 3], properties: ["trace": "abc", "n": "1"],
                                      eventTime: 1_700_000_123_456)
            for batching in [true, false] {
                var producerOptions = ProducerOptions()
                producerOptions.batchingEnabled = batching
                let producer = try await client.makeProducer(topic: topic, options: producerOptions)
                try await producer.send(bytes("with metadata"), options: options)
                try await producer.send(bytes("plain"))
                await producer.close()
            }
            let messages = try await receive(4, from: consumer, dropping: broker)
            for index in [0, 2] {
                let message = messages[index]
                #expect(message.key == "customer-7")
                #expect(message.orderingKey == [1, 2, 3])
                #expect(message.properties == ["trace": "abc", "n": "1"])
                #expect(message.eventTime == 1_700_000_123_456)
                #expect(message.publishTime > 1_700_000_000_000)
            }
            for index in [1, 3] {
                #expect(messages[index].key == nil && messages[index].properties.isEmpty && messages[index].eventTime == nil)
            }
            #expect(messages.map(\.sequenceId) == [0, 1, 0, 1])
            await client.close()
        }
    }

    @Test("2,000 pipelined messages arrive in order", arguments: BrokerKind.allCases)
    func ordering(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic("order")
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: earliest())
            let producer = try await client.makeProducer(topic: topic)
            let count = 2000
            var receipts: [SendReceipt] = []
            for index in 0..<count { receipts.append(try await producer.enqueue(bytes(String(index)))) }
            var previous: MessageID?
            for receipt in receipts {
                let id = try await receipt.messageID()
                if let previous { #expect(previous < id) }
                previous = id
            }
            let messages = try await receive(count, from: consumer, dropping: broker)
            #expect(messages.map(\.string) == (0..<count).map(String.init))
            await client.close()
        }
    }

    @Test("a second consumer on an Exclusive subscription is refused with consumerBusy", arguments: BrokerKind.allCases)
    func exclusiveRefusal(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            try broker.skip(onPulsarLite: "it closes the TCP connection instead of answering ERROR ConsumerBusy")
            let client = try broker.client()
            let topic = uniqueTopic()
            let first = try await client.subscribe(topic: topic, subscription: "only")
            let error = await #expect(throws: PulsarClientError.self) {
                _ = try await client.subscribe(topic: topic, subscription: "only")
            }
            #expect(error?.code == .consumerBusy)
            #expect(error?.serverError == .consumerBusy)
            await first.close()
            _ = try await client.subscribe(topic: topic, subscription: "only")
            await client.close()
        }
    }

    @Test("a producer name in use is refused with producerBusy", arguments: BrokerKind.allCases)
    func producerBusy(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            try broker.skip(onPulsarLite: "it accepts a duplicate producer name")
            let client = try broker.client()
            let topic = uniqueTopic()
            var options = ProducerOptions()
            options.name = "cg_knowledge-producer"
            let first = try await client.makeProducer(topic: topic, options: options)
            #expect(first.name == "cg_knowledge-producer")
            let error = await #expect(throws: PulsarClientError.self) {
                _ = try await client.makeProducer(topic: topic, options: options)
            }
            #expect(error?.code == .producerBusy)
            await client.close()
        }
    }

    @Test("Shared consumers split the messages without duplicates", arguments: BrokerKind.allCases)
    func sharedSplit(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            var options = earliest(.shared)
            options.receiverQueueSize = 10
            let first = try await client.subscribe(topic: topic, subscription: "workers", options: options)
            let second = try await client.subscribe(topic: topic, subscription: "workers", options: options)
            var producerOptions = ProducerOptions()
            producerOptions.batchingEnabled = false
            let producer = try await client.makeProducer(topic: topic, options: producerOptions)
            for index in 0..<100 { _ = try await producer.enqueue(bytes(String(index))) }
            try await producer.flush()
            var seen: [String] = []
            var counts = [0, 0]
            let deadline = ContinuousClock.now + .seconds(30)
            while seen.count < 100 {
                guard ContinuousClock.now < deadline else {
                    Issue.record("only \(seen.count) of 100 messages arrived within 30 s")
                    break
                }
                for (index, consumer) in [first, second].enumerated() {
                    if let message = try await consumer.receive(timeout: .milliseconds(50)) {
                        try consumer.acknowledge(message)
                        seen.append(message.string)
                        counts[index] += 1
                    }
                }
            }
            #expect(Set(seen) == Set((0..<100).map(String.init)))
            #expect(seen.count == 100)
            #expect(counts[0] > 0 && counts[1] > 0, "both consumers got messages: \(counts)")
            await client.close()
        }
    }

    @Test("closing the client flushes what producers still hold", arguments: BrokerKind.allCases)
    func closeFlushes(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            var options = ProducerOptions()
            options.batchingMaxPublishDelay = .seconds(60)
            let producer = try await client.makeProducer(topic: topic, options: options)
            var receipts: [SendReceipt] = []
            for index in 0..<10 { receipts.append(try await producer.enqueue(bytes(String(index)))) }
            #expect(receipts.allSatisfy { $0.result == nil }, "held in the open batch")
            await client.close()
            for receipt in receipts { _ = try await receipt.messageID() }
            let reader = try await broker.client().makeReader(topic: topic, startMessageID: .earliest)
            for index in 0..<10 { #expect(try await reader.readNext(timeout: .seconds(10))?.string == String(index)) }
            let error = await #expect(throws: PulsarClientError.self) { try await producer.send(bytes("after close")) }
            #expect(error?.code == .alreadyClosed)
        }
    }

    @Test("explicit sequence ids and deliverAt travel", arguments: BrokerKind.allCases)
    func explicitSequenceIds(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: earliest())
            let producer = try await client.makeProducer(topic: topic)
            try await producer.send(bytes("a"), options: SendOptions(sequenceId: 100))
            try await producer.send(bytes("b"))
            try await producer.send(bytes("c"), options: SendOptions(deliverAt: 1_700_000_000_000))
            let messages = try await receive(3, from: consumer, dropping: broker)
            #expect(messages.map(\.sequenceId) == [100, 101, 102])
            #expect(messages[2].deliverAt == 1_700_000_000_000)
            await client.close()
        }
    }

    @Test("Failover delivers to one consumer at a time", arguments: BrokerKind.allCases)
    func failover(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            var options = earliest(.failover)
            options.consumerName = "a"
            let first = try await client.subscribe(topic: topic, subscription: "f", options: options)
            options.consumerName = "b"
            let second = try await client.subscribe(topic: topic, subscription: "f", options: options)
            let producer = try await client.makeProducer(topic: topic)
            for index in 0..<20 { _ = try await producer.enqueue(bytes(String(index))) }
            try await producer.flush()
            var counts = [0, 0]
            var seen: [String] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while seen.count < 20 {
                guard ContinuousClock.now < deadline else {
                    Issue.record("only \(seen.count) of 20 messages arrived within 30 s")
                    break
                }
                for (index, consumer) in [first, second].enumerated() {
                    if let message = try await consumer.receive(timeout: .milliseconds(100)) {
                        try consumer.acknowledge(message)
                        counts[index] += 1
                        seen.append(message.string)
                    }
                }
            }
            #expect(Set(seen) == Set((0..<20).map(String.init)))
            #expect(counts.contains(0), "one active consumer took everything: \(counts)")
            await client.close()
        }
    }
}
