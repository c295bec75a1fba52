import PulsarClient
import PulsarWire
import Testing

@Suite("Partitioned topics")
struct PartitionedTopicTests {
    /// pulsar-lite's `default_partitions` makes every new topic partitioned; the emulator has no way yet to create a
    /// partitioned topic (no admin API, and it answers PARTITIONED_METADATA with 0 for unknown topics).
    func partitioned(_ kind: BrokerKind, _ body: (TestBroker) async throws -> Void) async throws {
        if kind == .emulator {
            print("SKIPPED on the emulator: partitioned topics: it cannot create them yet (no admin API or auto-partitioning)")
            try Test.cancel("the emulator cannot create partitioned topics yet")
        }
        try await withBroker(kind, liteSettings: ["default_partitions": "3"], body)
    }

    @Test("keyed messages keep their partition and order; keyless ones spread", arguments: BrokerKind.allCases)
    func routing(kind: BrokerKind) async throws {
        try await partitioned(kind) { broker in
            let client = try broker.client()
            let topic = uniqueTopic("parted")
            #expect(try await client.partitions(of: topic) == (0..<3).map { "\(topic)-partition-\($0)" })
            var options = ConsumerOptions()
            options.initialPosition = .earliest
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: options)
            let producer = try await client.makeProducer(topic: topic)
            #expect(producer.partitionCount == 3)
            let keys = ["alpha", "beta", "gamma", "delta"]
            var sent: [String: [String]] = [:]
            for index in 0..<40 {
                let key = keys[index % keys.count]
                let id = try await producer.send(bytes("\(key)-\(index)"), options: SendOptions(key: key))
                #expect(Int(id.partition) == KeyHashing.javaStringHash.partition(of: key, partitions: 3))
                sent[key, default: []].append("\(key)-\(index)")
            }
            var keyless: Set<Int32> = []
            for index in 0..<6 { keyless.insert(try await producer.send(bytes("free-\(index)")).partition) }
            #expect(keyless == [0, 1, 2], "round robin over the partitions")
            let messages = try await receive(46, from: consumer, dropping: broker)
            var received: [String: [String]] = [:]
            for message in messages where message.key != nil {
                received[message.key!, default: []].append(message.string)
                #expect(message.topic == "\(topic)-partition-\(message.messageID.partition)")
            }
            #expect(received == sent, "per-key order holds across partitions")
            await client.close()
        }
    }

    @Test("Murmur3 routing is selectable", arguments: BrokerKind.allCases)
    func murmur(kind: BrokerKind) async throws {
        try await partitioned(kind) { broker in
            let client = try broker.client()
            var options = ProducerOptions()
            options.hashing = .murmur3
            let producer = try await client.makeProducer(topic: uniqueTopic("murmur"), options: options)
            for key in ["a", "b", "c", "d", "e"] {
                let id = try await producer.send(bytes(key), options: SendOptions(key: key))
                #expect(Int(id.partition) == KeyHashing.murmur3.partition(of: key, partitions: 3))
            }
            await client.close()
        }
    }
}
