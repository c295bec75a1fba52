import PulsarClient
import PulsarWire
import Testing

@Suite("Produce and consume")
struct ProduceConsumeTests {
    @Test("messages sent are received in order with their ids", arguments: BrokerKind.allCases)
    func roundTrip(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic()
            var options = ConsumerOptions()
            options.initialPosition = .earliest
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: options)
            let producer = try await client.makeProducer(topic: topic)
            var ids: [MessageID] = []
            for index in 0..<10 { ids.append(try await producer.send(bytes("message-\(index)"))) }
            let messages = try await receive(10, from: consumer)
            #expect(messages.map(\.string) == (0..<10).map { "message-\($0)" })
            #expect(messages.map(\.messageID) == ids)
            #expect(messages.allSatisfy { $0.topic == topic && $0.producerName == producer.name })
            await client.close()
        }
    }
}
