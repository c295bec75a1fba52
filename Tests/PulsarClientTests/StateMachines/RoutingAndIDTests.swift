@testable import PulsarClient
import PulsarWire
import Testing

@Suite("Routing, message ids, configuration")
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

    @Test func murmur3RoutesByTheMaskedHash() {
        let hash = Int(Murmur3.pulsarHash(Array("key-1".utf8)))
        #expect(KeyHashing.murmur3.partition(of: "key-1", partitions: 5) == hash % 5)
    }

    @Test func messageIDsOrderAndRoundTrip() throws {
        let ids = [MessageID(ledgerId: 2, entryId: 0), MessageID(ledgerId: 1, entryId: 5, partition: -1, batchIndex: 2),
                   MessageID(ledgerId: 1, entryId: 5), MessageID.earliest]
        #expect(ids.sorted() == [.earliest, MessageID(ledgerId: 1, entryId: 5),
                                 MessageID(ledgerId: 1, entryId: 5, partition: -1, batchIndex: 2), MessageID(ledgerId: 2, entryId: 0)])
        for id in ids + [.latest, MessageID(ledgerId: 9, entryId: 3, partition: 4, batchIndex: 0)] {
            #expect(try MessageID(serialized: id.serialized()) == id)
        }
        #expect(throws: PulsarClientError.self) { try MessageID(serialized: [0xff]) }
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
        #expect(throws: PulsarClientError.self) { try ClientConfiguration.fromEnvironment(environment: [:]) }
    }

    @Test func invalidSettingsAreRefused() {
        var configuration = ClientConfiguration(serviceURL: "pulsar://x:1")
        configuration.operationTimeout = .zero
        #expect(throws: PulsarClientError.self) { try PulsarClient(configuration: configuration) }
        #expect(throws: PulsarClientError.self) { try PulsarClient(serviceURL: "http://x") }
        var producer = ProducerOptions()
        producer.batchingMaxMessages = 0
        #expect(throws: PulsarClientError.self) { try producer.validate() }
        var consumer = ConsumerOptions()
        consumer.retryEnabled = true
        #expect(throws: PulsarClientError.self) { try consumer.validate() }
    }
}
