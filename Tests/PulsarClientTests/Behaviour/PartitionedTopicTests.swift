import PulsarClient
import PulsarWire
import Testing

@Suite("Partitioned topics", .timeLimit(.minutes(1)))
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
            // Keys from Apache's hash tests with their Java-client partitions of 3: masked String.hashCode() % 3
            // ("keykeykeykeykey1" 434058482, "keykeykey2" 42978643 after masking its negative hashCode, "key1"
            // 3288498, "key2" 3288499; apache/pulsar pulsar-client/src/test/java/org/apache/pulsar/client/impl/HashTest.java).
            let expectedPartition = ["keykeykeykeykey1": 2, "keykeykey2": 1, "key1": 0, "key2": 1]
            let keys = expectedPartition.keys.sorted()
            var sent: [String: [String]] = [:]
            for index in 0..<40 {
                let key = keys[index % keys.count]
                let id = try await producer.send(bytes("\(key)-\(index)"), options: SendOptions(key: key))
                #expect(Int(id.partition) == expectedPartition[key], "\(key)")
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
            // makeHash % 3 for keys of apache/pulsar-client-cpp tests/HashTest.cc: "k1" 2110152746, "k2" 1479966664,
            // "key1" 462881061, "key2" 1936800180 (JavaStringHash would put "k1" and "key2" elsewhere: 3366 % 3 = 0, 3288499 % 3 = 1).
            for (key, partition) in [("k1", 2), ("k2", 1), ("key1", 0), ("key2", 0)] {
                let id = try await producer.send(bytes(key), options: SendOptions(key: key))
                #expect(Int(id.partition) == partition, "\(key)")
            }
            await client.close()
        }
    }
}
