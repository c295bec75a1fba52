import PulsarClient
import PulsarEmulator
import PulsarWire
import Testing

@Suite("Readers and seek", .timeLimit(.minutes(1)))
struct ReaderTests {
    func fill(_ topic: String, _ client: PulsarClient, count: Int = 5) async throws -> [MessageID] {
        var options = ProducerOptions()
        options.batchingEnabled = false
        let producer = try await client.makeProducer(topic: topic, options: options)
        var ids: [MessageID] = []
        for index in 0..<count { ids.append(try await producer.send(bytes(String(index)))) }
        await producer.close()
        return ids
    }

    @Test("a reader from earliest reads everything; hasMessageAvailable tracks the end", arguments: BrokerKind.allCases)
    func earliest(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            _ = try await fill(topic, client)
            let reader = try await client.makeReader(topic: topic, startMessageID: .earliest)
            var read: [String] = []
            // Bounded: a reader that never reached the end would otherwise loop for ever (6 reads already fail).
            while read.count <= 5, try await reader.hasMessageAvailable() {
                read.append(try #require(try await reader.readNext(timeout: .seconds(10))).string)
            }
            #expect(read == ["0", "1", "2", "3", "4"])
            await client.close()
        }
    }

    @Test("a reader from a message id starts after it, or at it when inclusive", arguments: BrokerKind.allCases)
    func fromMessageID(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            let ids = try await fill(topic, client)
            let after = try await client.makeReader(topic: topic, startMessageID: ids[2])
            #expect(try await after.readNext(timeout: .seconds(10))?.string == "3")
            var options = ReaderOptions()
            options.startMessageIdInclusive = true
            let at = try await client.makeReader(topic: topic, startMessageID: ids[2], options: options)
            #expect(try await at.readNext(timeout: .seconds(10))?.string == "2")
            await client.close()
        }
    }

    @Test("a reader from latest sees only new messages", arguments: BrokerKind.allCases)
    func latest(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            _ = try await fill(topic, client, count: 2)
            let reader = try await client.makeReader(topic: topic, startMessageID: .latest)
            #expect(try await reader.hasMessageAvailable() == false)
            let producer = try await client.makeProducer(topic: topic)
            try await producer.send(bytes("new"))
            #expect(try await reader.hasMessageAvailable() == true)
            #expect(try await reader.readNext(timeout: .seconds(10))?.string == "new")
            await client.close()
        }
    }

    @Test("seek moves a consumer back to an earlier message", arguments: BrokerKind.allCases)
    func seek(kind: BrokerKind) async throws {
        // Like Apache Pulsar, the emulator keeps the current ledger's entries after they are acknowledged, so seeking
        // back finds them whether or not the grouped acknowledgements have reached the broker yet.
        try await withBroker(kind) { broker in
            try broker.skip(onPulsarLite: "it answers SEEK with SUCCESS but neither disconnects nor rewinds the consumer")
            let client = try broker.client()
            let topic = uniqueTopic()
            var options = ConsumerOptions()
            options.initialPosition = .earliest
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: options)
            let ids = try await fill(topic, client)
            _ = try await receive(5, from: consumer)
            try await consumer.seek(to: ids[1])
            let again = try await receive(4, from: consumer)
            #expect(again.map(\.string) == ["1", "2", "3", "4"])
            try await consumer.seek(to: .earliest)
            #expect(try await receive(5, from: consumer).map(\.string) == ["0", "1", "2", "3", "4"])
            // A topic of its own, read from the start by a reader.
            let readerTopic = uniqueTopic()
            let readerIDs = try await fill(readerTopic, client)
            let reader = try await client.makeReader(topic: readerTopic, startMessageID: .earliest)
            _ = try await reader.readNext(timeout: .seconds(10))
            try await reader.seek(to: readerIDs[3])
            #expect(try await reader.readNext(timeout: .seconds(10))?.string == "3")
            await client.close()
        }
    }

    @Test("unsubscribe deletes the subscription", arguments: BrokerKind.allCases)
    func unsubscribe(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            var options = ConsumerOptions()
            options.initialPosition = .earliest
            let consumer = try await client.subscribe(topic: topic, subscription: "gone", options: options)
            _ = try await fill(topic, client, count: 2)
            try await consumer.unsubscribe()
            if let emulator = broker.emulator { #expect(emulator.subscription("gone", topic: topic) == nil) }
            let error = await #expect(throws: PulsarClientError.self) { _ = try await consumer.receive() }
            #expect(error?.code == .alreadyClosed, "unsubscribing closed the consumer")
            // A new subscription of that name starts afresh (at latest by default): nothing old is delivered.
            let fresh = try await client.subscribe(topic: topic, subscription: "gone")
            try await expectMarkerNext(on: fresh, topic: topic, client: client, broker: broker)
            await client.close()
        }
    }
}
