@testable import PulsarClient
import PulsarWire
import Testing

@Suite("Routing, message ids, configuration", .timeLimit(.minutes(1)))
struct RoutingAndIDTests {
    @Test func javaStringHashRoutesLikeTheJavaClient() {
        // "key-1".hashCode() = 101943363 in Java (computed independently); 101943363 % 7 = 4.
        #expect(JavaStringHash.hash("key-1") == 101_943_363)
        #expect(KeyHashing.javaStringHash.partition(of: "key-1", partitions: 7) == 4)
        #expect(KeyHashing.goJavaStringHash.partition(of: "key-1", partitions: 7) == 4, "same for ASCII, non-negative")
        // "polygenelubricants".hashCode() is Int.MIN_VALUE in Java: the Java client masks the sign, Go does not.
        #expect(JavaStringHash.hash("polygenelubricants") == Int32.min)
        #expect(KeyHashing.javaStringHash.partition(of: "polygenelubricants", partitions: 3) == 0)
        #expect(KeyHashing.goJavaStringHash.partition(of: "polygenelubricants", partitions: 3) == Int(UInt32(1 << 31) % 3))
    }

    @Test func partitionsMatchTheApacheClientsTests() {
        // apache/pulsar pulsar-client/src/test/java/org/apache/pulsar/client/impl/RoundRobinPartitionMessageRouterImplTest.java:
        // a keyed message goes to key.hashCode() % 100 ("key1".hashCode() = 3288498, "key2" = 3288499).
        #expect(KeyHashing.javaStringHash.partition(of: "key1", partitions: 100) == 98)
        #expect(KeyHashing.javaStringHash.partition(of: "key2", partitions: 100) == 99)
        // apache/pulsar-client-go pulsar/default_router_test.go: "my-key" routes to partition 1 of 3 with the Go
        // client's JavaStringHash (UTF-8 bytes, unsigned, not masked: 3233770174 % 3). Its Java hashCode is negative
        // (-1061197122); the Java client masks it to 1086286526, which is partition 2.
        #expect(KeyHashing.goJavaStringHash.partition(of: "my-key", partitions: 3) == 1)
        #expect(KeyHashing.javaStringHash.partition(of: "my-key", partitions: 3) == 2)
        // "keykeykey2".hashCode() is negative; masked it is 42978643 (apache/pulsar HashTest.java, pulsar-client-cpp
        // tests/HashTest.cc), partition 1 of 3. Unmasked as an unsigned value it would be partition 0.
        #expect(KeyHashing.javaStringHash.partition(of: "keykeykey2", partitions: 3) == 1)
        #expect(KeyHashing.javaStringHash.partition(of: "keykeykeykeykey1", partitions: 3) == 434_058_482 % 3)
    }

    @Test func murmur3RoutesByTheMaskedHash() {
        // makeHash values from apache/pulsar-client-cpp tests/HashTest.cc and apache/pulsar HashTest.java:
        // "k1" 2110152746, "k2" 1479966664, "key1" 462881061, "key2" 1936800180. The raw hashes of "k1", "k2" and
        // "key1" have the sign bit set, so an unmasked hash would send them to other partitions.
        #expect(KeyHashing.murmur3.partition(of: "k1", partitions: 3) == 2)
        #expect(KeyHashing.murmur3.partition(of: "k2", partitions: 3) == 1)
        #expect(KeyHashing.murmur3.partition(of: "key1", partitions: 3) == 0)
        #expect(KeyHashing.murmur3.partition(of: "key2", partitions: 5) == 0)
        #expect(KeyHashing.murmur3.partition(of: "k1", partitions: 5) == 1)
    }

    @Test func messageIDsOrderAndRoundTrip() throws {
        let ids = [MessageID(ledgerId: 2, entryId: 0), MessageID(ledgerId: 1, entryId: 5, partition: -1, batchIndex: 2),
                   MessageID(ledgerId: 1, entryId: 5), MessageID.earliest]
        #expect(ids.sorted() == [.earliest, MessageID(ledgerId: 1, entryId: 5),
                                 MessageID(ledgerId: 1, entryId: 5, partition: -1, batchIndex: 2), MessageID(ledgerId: 2, entryId: 0)])
        for id in ids + [.latest, MessageID(ledgerId: 9, entryId: 3, partition: 4, batchIndex: 0)] {
            #expect(try MessageID(serialized: id.serialized()) == id)
        }
        #expect(#expect(throws: PulsarClientError.self) { try MessageID(serialized: [0xff]) }?.code == .invalidMessageID)
    }

    @Test func environmentConfiguration() throws {
        let configuration = try ClientConfiguration.fromEnvironment(
            environment: ["MQ_NAME_SERVER": "pulsar://broker:6650", "PULSAR_JWT_TOKEN": " abc.def.ghi\n"])
        #expect(configuration.serviceURL == "pulsar://broker:6650")
        #expect(configuration.authentication.methodName == "token")
        let plain = try ClientConfiguration.fromEnvironment(
            environment: ["PULSAR_SERVICE_URL": "pulsar://a:1", "MQ_NAME_SERVER": "pulsar://b:2", "PULSAR_JWT_TOKEN": ""])
        #expect(plain.serviceURL == "pulsar://a:1")
        #expect(plain.authentication.methodName == nil)
        #expect(try ClientConfiguration.fromEnvironment(serviceURL: "pulsar://c:3", environment: [:]).serviceURL == "pulsar://c:3")
        #expect(#expect(throws: PulsarClientError.self) { try ClientConfiguration.fromEnvironment(environment: [:]) }?.code
                == .invalidConfiguration)
    }

    @Test func invalidSettingsAreRefused() {
        var configuration = ClientConfiguration(serviceURL: "pulsar://x:1")
        configuration.operationTimeout = .zero
        #expect(#expect(throws: PulsarClientError.self) { try PulsarClient(configuration: configuration) }?.code == .invalidConfiguration)
        #expect(#expect(throws: PulsarClientError.self) { try PulsarClient(serviceURL: "http://x") }?.code == .invalidConfiguration)
        var reconnect = ClientConfiguration(serviceURL: "pulsar://x:1")
        reconnect.initialReconnectBackoff = .zero  // a harness's setting: reconnect at once
        #expect(throws: Never.self) { _ = try reconnect.validated() }
        reconnect.initialReconnectBackoff = .milliseconds(-1)
        #expect(#expect(throws: PulsarClientError.self) { try reconnect.validated() }?.message.contains("initialReconnectBackoff") == true)
        reconnect.initialReconnectBackoff = .zero
        reconnect.maxReconnectBackoff = .zero
        #expect(#expect(throws: PulsarClientError.self) { try reconnect.validated() }?.message.contains("maxReconnectBackoff") == true)
        var producer = ProducerOptions()
        producer.batchingMaxMessages = 0
        #expect(#expect(throws: PulsarClientError.self) { try producer.validate() }?.code == .invalidConfiguration)
        var consumer = ConsumerOptions()
        consumer.retryEnabled = true
        #expect(#expect(throws: PulsarClientError.self) { try consumer.validate() }?.code == .invalidConfiguration)
    }
}

@Suite("Retry-letter decisions", .timeLimit(.minutes(1)))
struct RetryLetterDecisionTests {
    let original = Message(messageID: MessageID(ledgerId: 3, entryId: 9), payload: [1], properties: ["app": "x"],
                           topic: "persistent://public/default/orders")

    @Test func firstRetryRecordsWhereTheMessageCameFrom() {
        let decision = RetryLetterDecision.decide(original, delay: .seconds(2), maxRedeliverCount: 2, properties: ["why": "busy"])
        #expect(decision == .retry(properties: [
            "app": "x", "why": "busy", "RECONSUMETIMES": "1", "DELAY_TIME": "2000",
            "REAL_TOPIC": "persistent://public/default/orders", "ORIGIN_MESSAGE_ID": "3:9:-1:-1"]))
    }

    @Test func pastTheLimitTheMessageGoesToTheDeadLetterTopic() {
        var retried = original
        retried.topic = "persistent://public/default/orders-s-RETRY"
        retried.properties = ["RECONSUMETIMES": "2", "REAL_TOPIC": "persistent://public/default/orders",
                              "ORIGIN_MESSAGE_ID": "3:9:-1:-1"]
        guard case .deadLetter(let properties) = RetryLetterDecision.decide(retried, delay: .zero, maxRedeliverCount: 2) else {
            Issue.record("expected the dead-letter topic")
            return
        }
        #expect(properties["RECONSUMETIMES"] == "3")
        #expect(properties["REAL_TOPIC"] == "persistent://public/default/orders", "the first topic is kept")
    }
}
