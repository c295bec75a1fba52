import Testing
import PulsarWire
@testable import PulsarEmulator

/// Broker-state regression tests for hostile or buggy clients (no I/O): each case corrupted or froze the emulator
/// before its fix.
@Suite("Broker: hostile clients", .timeLimit(.minutes(1)))
struct HostileClientTests {
    private func setUp(type: SubscriptionType = .exclusive) -> (BrokerHarness, producer: ConnectionID, consumer: ConnectionID) {
        var broker = BrokerHarness()
        let producer = broker.connect(), consumer = broker.connect()
        broker.subscribe("t", "s", type: type, on: consumer)
        broker.makeProducer("t", on: producer)
        broker.publish("m0", sequenceId: 0, on: producer)
        return (broker, producer, consumer)
    }

    @Test("a cumulative ack beyond the last entry is refused: messages produced later are still delivered")
    func cumulativeAckBeyondTheEnd() {
        var (broker, producer, consumer) = setUp()
        #expect(broker.flow(100, on: consumer).map(\.payloadString) == ["m0"])
        let reply = broker.handle(.ack(CommandAck(consumerId: 1, ackType: .cumulative,
                                                  messageId: [MessageIdData(ledgerId: 1, entryId: 1_000)], requestId: 7)),
                                  from: consumer)[consumer]?.first?.command
        #expect(reply == .ackResponse(CommandAckResponse(consumerId: 1, requestId: 7)))
        let delivered = broker.publish("m1", sequenceId: 1, on: producer)[consumer] ?? []
        #expect(broker.messages(delivered).map(\.payloadString) == ["m1"])
        #expect(broker.state.topics[try! TopicName("t")]!.subscriptions["s"]!.cursor.markDeletePosition == -1)
    }

    @Test("an individual ack of a position not yet written does not drop that message when it arrives")
    func individualAckOfAFuturePosition() {
        var (broker, producer, consumer) = setUp(type: .shared)
        _ = broker.flow(100, on: consumer)
        broker.ack([0, 1, 2], on: consumer)
        var delivered: [String?] = []
        for sequence in 1...2 {
            delivered += broker.messages(broker.publish("m\(sequence)", sequenceId: UInt64(sequence), on: producer)[consumer] ?? [])
                .map(\.payloadString)
        }
        #expect(delivered == ["m1", "m2"])
        #expect(broker.state.topics[try! TopicName("t")]!.subscriptions["s"]!.cursor.isAcknowledged(0))
    }

    @Test("an ack with a negative entry id changes nothing")
    func negativeEntryId() {
        var (broker, _, consumer) = setUp(type: .shared)
        _ = broker.flow(100, on: consumer)
        broker.handle(.ack(CommandAck(consumerId: 1, ackType: .individual,
                                      messageId: [MessageIdData(ledgerId: 1, entryId: UInt64.max)])), from: consumer)
        let subscription = broker.state.topics[try! TopicName("t")]!.subscriptions["s"]!
        #expect(subscription.cursor.markDeletePosition == -1)
        #expect(subscription.pending.count == 1)
    }

    @Test("GET_SCHEMA needs lookup rights and GET_OR_CREATE_SCHEMA produce rights on the topic")
    func schemaCommandsAreAuthorized() {
        let authentication = JWTFixtures.secretAuthentication {
            $0.authorizationEnabled = true
            $0.grants = [PermissionGrant(role: "reader", namespace: "public/default", actions: [.consume])]
        }
        var broker = BrokerHarness(authentication: authentication)
        let stranger = broker.authenticatedConnection(JWTFixtures.token(role: "stranger"))
        let schema = Schema(name: "s", schemaData: Array("{}".utf8), type: .json)
        let create = broker.handle(.getOrCreateSchema(CommandGetOrCreateSchema(requestId: 1, topic: "t", schema: schema)),
                                   from: stranger)[stranger]?.first?.command
        guard case .getOrCreateSchemaResponse(let refused)? = create else { Issue.record("\(String(describing: create))"); return }
        #expect(refused.errorCode == .authorizationError)
        #expect(broker.state.schemas.isEmpty, "nothing registered")
        let get = broker.handle(.getSchema(CommandGetSchema(requestId: 2, topic: "t")), from: stranger)[stranger]?.first?.command
        guard case .getSchemaResponse(let getRefused)? = get else { Issue.record("\(String(describing: get))"); return }
        #expect(getRefused.errorCode == .authorizationError)
        // A consumer may read schemas but not register them.
        let reader = broker.authenticatedConnection(JWTFixtures.token(role: "reader"))
        let readerCreate = broker.handle(.getOrCreateSchema(CommandGetOrCreateSchema(requestId: 3, topic: "t", schema: schema)),
                                         from: reader)[reader]?.first?.command
        guard case .getOrCreateSchemaResponse(let readerRefused)? = readerCreate else { Issue.record("no answer"); return }
        #expect(readerRefused.errorCode == .authorizationError)
        let readerGet = broker.handle(.getSchema(CommandGetSchema(requestId: 4, topic: "t")), from: reader)[reader]?.first?.command
        guard case .getSchemaResponse(let readerGot)? = readerGet else { Issue.record("no answer"); return }
        #expect(readerGot.errorCode == .topicNotFound, "allowed: the topic just has no schema")
    }

    @Test("schema versions per topic are bounded")
    func schemaVersionsAreBounded() {
        var broker = BrokerHarness { $0.limits.maxSchemaVersionsPerTopic = 3 }
        let id = broker.connect()
        var codes: [ServerError?] = []
        for version in 0..<4 {
            let schema = Schema(name: "s", schemaData: Array("{\"v\":\(version)}".utf8), type: .json)
            let reply = broker.handle(.getOrCreateSchema(CommandGetOrCreateSchema(requestId: UInt64(version), topic: "t", schema: schema)),
                                      from: id)[id]?.first?.command
            if case .getOrCreateSchemaResponse(let response)? = reply { codes.append(response.hasErrorCode ? response.errorCode : nil) }
        }
        #expect(codes == [nil, nil, nil, .notAllowedError])
        #expect(broker.state.schemas.values.first?.versions.count == 3)
    }

    @Test("topic names the store cannot hold are refused with InvalidTopicName", arguments: [
        "persistent://public/default/..", "persistent://../default/t", "persistent://public/./t",
        "persistent://public/default/a\u{0}b", "persistent://public/default/line\nfeed",
        "persistent://public/default/" + String(repeating: "x", count: 65_536),
    ])
    func badTopicNames(_ name: String) {
        var broker = BrokerHarness()
        let id = broker.connect()
        let reply = broker.handle(.producer(CommandProducer(topic: name, producerId: 1, requestId: 1)), from: id)[id]?.first?.command
        #expect(reply?.serverError == .invalidTopicName)
        if case .error(let error)? = reply { #expect(error.message.hasPrefix("Invalid topic name '"), "\(error.message)") }
        // Lookups answer in their own response type, which the client waits for (an ERROR would be ignored).
        let metadata = broker.handle(.partitionedMetadata(CommandPartitionedTopicMetadata(topic: name, requestId: 2)), from: id)[id]?.first?.command
        guard case .partitionedMetadataResponse(let response)? = metadata else { Issue.record("\(String(describing: metadata))"); return }
        #expect(response.response == .failed && response.error == .invalidTopicName)
        #expect(response.message.hasPrefix("Invalid topic name '"), "the broker's text, not an error type's name")
        let lookup = broker.handle(.lookup(CommandLookupTopic(topic: name, requestId: 3)), from: id)[id]?.first?.command
        guard case .lookupResponse(let lookupResponse)? = lookup else { Issue.record("\(String(describing: lookup))"); return }
        #expect(lookupResponse.response == .failed && lookupResponse.error == .invalidTopicName)
        #expect(lookupResponse.message.hasPrefix("Invalid topic name '"))
        #expect(broker.state.topics.isEmpty)
    }

    @Test("a 1 MB subscription name, an unknown subscription type and over-long producer names are refused")
    func badSubscriptions() {
        var broker = BrokerHarness()
        let id = broker.connect()
        let huge = String(repeating: "s", count: 1 << 20)
        #expect(broker.subscribe("t", huge, on: id)?.serverError == .notAllowedError)
        #expect(broker.subscribe("t", "s", type: SubscriptionType(rawValue: 99), consumer: 2, on: id)?.serverError == .notAllowedError)
        #expect(broker.makeProducer("t", on: id, name: huge)?.serverError == .notAllowedError)
        #expect(broker.state.topics.values.allSatisfy { $0.subscriptions.isEmpty && $0.producers.isEmpty })
    }

    @Test("a negative protocol version is answered with version 0, not echoed")
    func negativeProtocolVersion() {
        var broker = BrokerHarness()
        let id = broker.open()
        let reply = broker.handle(.connect(CommandConnect(clientVersion: "c", protocolVersion: -5)), from: id)[id]?.first?.command
        guard case .connected(let connected)? = reply else { Issue.record("\(String(describing: reply))"); return }
        #expect(connected.protocolVersion == 0)
    }

    @Test("10,000 producers on one topic: names stay unique, each is found by a lookup rather than a scan")
    func manyProducersOnOneTopic() {
        var broker = BrokerHarness()
        let id = broker.connect()
        for producer in 1...10_000 { broker.makeProducer("t", id: UInt64(producer), on: id, name: "p-\(producer)") }
        let topic = broker.state.topics[try! TopicName("t")]!
        #expect(topic.producers.count == 10_000 && topic.producerNames.count == 10_000)
        #expect(broker.makeProducer("t", id: 10_001, on: id, name: "p-17")?.serverError == .producerBusy)
        broker.handle(.closeProducer(CommandCloseProducer(producerId: 17, requestId: 9)), from: id)
        #expect(!topic.producerNames.contains("p-17"))
        #expect(broker.makeProducer("t", id: 10_002, on: id, name: "p-17")?.serverError == nil)
    }

    @Test("producers and consumers per connection are bounded, with ProducerBusy and ConsumerBusy")
    func perConnectionLimits() {
        var broker = BrokerHarness {
            $0.limits.maxProducersPerConnection = 2
            $0.limits.maxConsumersPerConnection = 2
        }
        let id = broker.connect()
        #expect(broker.makeProducer("a", id: 1, on: id)?.serverError == nil)
        #expect(broker.makeProducer("b", id: 2, on: id)?.serverError == nil)
        #expect(broker.makeProducer("c", id: 3, on: id)?.serverError == .producerBusy)
        #expect(broker.subscribe("a", "s", consumer: 1, on: id)?.serverError == nil)
        #expect(broker.subscribe("b", "s", consumer: 2, on: id)?.serverError == nil)
        #expect(broker.subscribe("c", "s", consumer: 3, on: id)?.serverError == .consumerBusy)
        let other = broker.connect()
        #expect(broker.makeProducer("c", id: 1, on: other)?.serverError == nil, "the limit is per connection")
    }
}
