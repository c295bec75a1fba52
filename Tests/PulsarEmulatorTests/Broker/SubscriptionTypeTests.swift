import Testing
import PulsarWire
@testable import PulsarEmulator

@Suite("Broker: Failover and Key_Shared", .timeLimit(.minutes(1)))
struct SubscriptionTypeTests {
    @Test("Failover: one active consumer by name; ACTIVE_CONSUMER_CHANGE to all on a switch, to a standby newcomer alone")
    func failover() {
        var broker = BrokerHarness()
        let producer = broker.connect(), b = broker.connect(), a = broker.connect()
        broker.subscribe("persistent://public/default/p-partition-0", "s", type: .failover, consumer: 1, on: b, name: "b")
        let joined = broker.handle(.subscribe(CommandSubscribe(
            topic: "persistent://public/default/p-partition-0", subscription: "s", subType: .failover, consumerId: 1,
            requestId: 9, consumerName: "a")), from: a)
        // "a" sorts first: it becomes active and everyone hears it.
        #expect(joined[a]?.contains { $0.command == .activeConsumerChange(CommandActiveConsumerChange(consumerId: 1, isActive: true)) } == true)
        #expect(joined[b]?.contains { $0.command == .activeConsumerChange(CommandActiveConsumerChange(consumerId: 1, isActive: false)) } == true)
        broker.makeProducer("persistent://public/default/p-partition-0", on: producer)
        _ = broker.flow(10, on: b)
        _ = broker.flow(10, on: a)
        let frames = broker.publish("m0", sequenceId: 0, on: producer)
        #expect(broker.messages(frames[a] ?? []).count == 1)
        #expect(broker.messages(frames[b] ?? []).isEmpty)
        // The active consumer leaves with the message unacknowledged: the standby gets it.
        let after = broker.drop(a)
        #expect(broker.messages(after[b] ?? []).map(\.payloadString) == ["m0"])
    }

    @Test("Failover partitions spread over consumers by partition index")
    func failoverPartitions() {
        var broker = BrokerHarness()
        let a = broker.connect(), b = broker.connect()
        for partition in 0..<4 {
            let topic = "persistent://public/default/orders-partition-\(partition)"
            broker.subscribe(topic, "s", type: .failover, consumer: UInt64(partition), on: a, name: "a")
            broker.subscribe(topic, "s", type: .failover, consumer: UInt64(partition), on: b, name: "b")
        }
        var activeForA = 0
        for partition in 0..<4 {
            let name = try! TopicName("persistent://public/default/orders-partition-\(partition)")
            let subscription = broker.state.topics[name]!.subscriptions["s"]!
            if broker.state.activeConsumer(of: subscription, topic: name)?.connection == a { activeForA += 1 }
        }
        #expect(activeForA == 2)
    }

    @Test("Key_Shared: one owner per key and per-key order across consumers")
    func keyShared() {
        var broker = BrokerHarness()
        let producer = broker.connect()
        let consumers = (0..<3).map { _ in broker.connect() }
        for (index, connection) in consumers.enumerated() {
            broker.subscribe("t", "s", type: .keyShared, on: connection, name: "c\(index)")
            _ = broker.flow(1000, on: connection)
        }
        broker.makeProducer("t", on: producer)
        var owner: [String: ConnectionID] = [:]
        for sequence in UInt64(0)..<60 {
            let key = "k\(sequence % 10)"
            let frames = broker.publish("m\(sequence)", sequenceId: sequence, on: producer, key: key)
            let receivers = consumers.filter { !broker.messages(frames[$0] ?? []).isEmpty }
            #expect(receivers.count == 1)
            if let receiver = receivers.first {
                #expect(owner[key, default: receiver] == receiver, "\(key) moved")
                owner[key] = receiver
            }
        }
        #expect(Set(owner.values).count > 1)
    }

    @Test("Key_Shared STICKY: overlapping ranges are refused with ConsumerAssignError")
    func stickyConflicts() {
        var broker = BrokerHarness()
        let a = broker.connect(), b = broker.connect()
        func sticky(_ ranges: [IntRange], on connection: ConnectionID) -> Command? {
            broker.handle(.subscribe(CommandSubscribe(topic: "t", subscription: "s", subType: .keyShared, consumerId: 1, requestId: 1,
                                                      keySharedMeta: KeySharedMeta(keySharedMode: .sticky, hashRanges: ranges))),
                          from: connection)[connection]?.first?.command
        }
        #expect(sticky([IntRange(start: 0, end: 100)], on: a) == .success(CommandSuccess(requestId: 1)))
        #expect(sticky([IntRange(start: 50, end: 200)], on: b)?.serverError == .consumerAssignError)
        #expect(sticky([IntRange(start: 300, end: 200)], on: b)?.serverError == .consumerAssignError)
        #expect(sticky([IntRange(start: 101, end: 200)], on: b) == .success(CommandSuccess(requestId: 1)))
    }

    @Test("Key_Shared: another mode or another allowOutOfOrderDelivery is refused with ConsumerBusy, as recent 3.x brokers do")
    func keySharedPolicyConflicts() {
        var broker = BrokerHarness()
        let a = broker.connect(), b = broker.connect()
        func join(_ meta: KeySharedMeta?, on connection: ConnectionID) -> Command? {
            broker.handle(.subscribe(CommandSubscribe(topic: "t", subscription: "s", subType: .keyShared, consumerId: 1, requestId: 1,
                                                      keySharedMeta: meta)), from: connection)[connection]?.first?.command
        }
        #expect(join(KeySharedMeta(keySharedMode: .autoSplit), on: a) == .success(CommandSuccess(requestId: 1)))
        guard case .error(let mode)? = join(KeySharedMeta(keySharedMode: .sticky, hashRanges: [IntRange(start: 0, end: 10)]), on: b)
        else { Issue.record("STICKY joined an AUTO_SPLIT subscription"); return }
        #expect(mode.error == .consumerBusy)
        #expect(mode.message.contains("key_shared mode of 'AUTO_SPLIT'"))
        guard case .error(let order)? = join(KeySharedMeta(keySharedMode: .autoSplit, allowOutOfOrderDelivery: true), on: b)
        else { Issue.record("allowOutOfOrderDelivery differed and was accepted"); return }
        #expect(order.error == .consumerBusy)
        #expect(order.message.contains("does not allow out of order delivery"))
        #expect(join(nil, on: b) == .success(CommandSuccess(requestId: 1)), "no metadata means AUTO_SPLIT, in order")
    }

    @Test("Key_Shared sticky key hash: Murmur3 makeHash of the ordering key, else the partition key (Apache's values)")
    func stickyKeyHash() {
        // makeHash values from apache/pulsar-client-cpp tests/HashTest.cc and apache/pulsar
        // pulsar-client/src/test/java/org/apache/pulsar/client/impl/HashTest.java.
        func metadata(partitionKey: String? = nil, orderingKey: String? = nil, base64: Bool? = nil) -> MessageMetadata {
            MessageMetadata(producerName: "p", sequenceId: 0, publishTime: 0, partitionKey: partitionKey,
                            partitionKeyB64Encoded: base64, orderingKey: orderingKey.map { Array($0.utf8) })
        }
        #expect(BrokerState.stickyKeyHash(metadata(partitionKey: "key1")) == 462_881_061)
        #expect(BrokerState.stickyKeyHash(metadata(partitionKey: "key1", orderingKey: "key2")) == 1_936_800_180,
                "the ordering key wins")
        #expect(BrokerState.stickyKeyHash(metadata(partitionKey: "azE=", base64: true)) == 2_110_152_746,
                "a base64 partition key is hashed decoded (\"azE=\" is \"k1\")")
    }

    @Test("Key_Shared STICKY: a key goes to the consumer whose range holds makeHash(key) % 65536")
    func stickyRouting() {
        // Slots of Apache's makeHash values (apache/pulsar-client-cpp tests/HashTest.cc): "key1" 462881061 % 65536 = 293,
        // "key2" 1936800180 % 65536 = 14772, "k1" 2110152746 % 65536 = 24618. Each consumer owns one slot only, so a
        // wrong hash or a wrong reduction leaves the message with nobody.
        var broker = BrokerHarness()
        let producer = broker.connect()
        let slots: [(key: String, slot: Int32)] = [("key1", 293), ("key2", 14772), ("k1", 24618)]
        let consumers = slots.map { _ in broker.connect() }
        for (connection, owned) in zip(consumers, slots) {
            let answer = broker.handle(.subscribe(CommandSubscribe(
                topic: "t", subscription: "s", subType: .keyShared, consumerId: 1, requestId: 1,
                keySharedMeta: KeySharedMeta(keySharedMode: .sticky, hashRanges: [IntRange(start: owned.slot, end: owned.slot)]))),
                from: connection)[connection]?.first?.command
            #expect(answer == .success(CommandSuccess(requestId: 1)))
            _ = broker.flow(100, on: connection)
        }
        broker.makeProducer("t", on: producer)
        for (sequence, sent) in slots.enumerated() {
            let frames = broker.publish("to-\(sent.key)", sequenceId: UInt64(sequence), on: producer, key: sent.key)
            for (connection, owned) in zip(consumers, slots) {
                let received = broker.messages(frames[connection] ?? []).compactMap(\.payloadString)
                #expect(received == (owned.key == sent.key ? ["to-\(sent.key)"] : []), "\(sent.key) at consumer for \(owned.key)")
            }
        }
    }

    @Test("Key_Shared: a consumer joining while entries are out waits for them to be acknowledged")
    func recentlyJoined() {
        var broker = BrokerHarness()
        let producer = broker.connect(), first = broker.connect(), late = broker.connect()
        broker.subscribe("t", "s", type: .keyShared, on: first, name: "first")
        _ = broker.flow(1000, on: first)
        broker.makeProducer("t", on: producer)
        for sequence in UInt64(0)..<5 { broker.publish("m\(sequence)", sequenceId: sequence, on: producer, key: "k\(sequence)") }
        broker.subscribe("t", "s", type: .keyShared, on: late, name: "late")
        _ = broker.flow(1000, on: late)
        var toLate = 0
        for sequence in UInt64(5)..<40 {
            toLate += broker.messages(broker.publish("m\(sequence)", sequenceId: sequence, on: producer, key: "k\(sequence % 5)")[late] ?? []).count
        }
        #expect(toLate == 0, "nothing for the newcomer while older entries are unacknowledged")
        let released = broker.ack((0..<5).map(UInt64.init), on: first)
        #expect(!broker.messages(released[late] ?? []).isEmpty, "acknowledging them lifts the limit")
    }
}

@Suite("Broker: schemas and deduplication", .timeLimit(.minutes(1)))
struct SchemaDedupTests {
    private let stringSchema = Schema(name: "String", schemaData: [], type: .string)
    private let jsonSchema = Schema(name: "Order", schemaData: Array("{\"type\":\"record\"}".utf8), type: .json)

    @Test("a producer's schema is registered and versioned; another type is incompatible")
    func producerSchemas() {
        var broker = BrokerHarness()
        let id = broker.connect()
        guard case .producerSuccess(let first)? = broker.handle(.producer(CommandProducer(
            topic: "t", producerId: 1, requestId: 1, schema: stringSchema)), from: id)[id]?.first?.command else {
            Issue.record("no PRODUCER_SUCCESS"); return
        }
        #expect(first.schemaVersion == [0, 0, 0, 0, 0, 0, 0, 0])
        let refused = broker.handle(.producer(CommandProducer(topic: "t", producerId: 2, requestId: 2, schema: jsonSchema)), from: id)
        #expect(refused[id]?.first?.command.serverError == .incompatibleSchema)
        let lookup = broker.handle(.getSchema(CommandGetSchema(requestId: 3, topic: "t")), from: id)[id]?.first?.command
        #expect(lookup == .getSchemaResponse(CommandGetSchemaResponse(requestId: 3, schema: stringSchema,
                                                                      schemaVersion: [0, 0, 0, 0, 0, 0, 0, 0])))
        let missing = broker.handle(.getSchema(CommandGetSchema(requestId: 4, topic: "other")), from: id)[id]?.first?.command
        guard case .getSchemaResponse(let response)? = missing else { Issue.record("no response"); return }
        #expect(response.errorCode == .topicNotFound)
    }

    @Test("with deduplication, repeated sequence ids get (-1, -1) receipts and are not stored")
    func deduplication() {
        var broker = BrokerHarness { $0.deduplication = true }
        let id = broker.connect()
        broker.makeProducer("t", on: id, name: "p")
        for sequence in UInt64(0)..<3 { broker.publish("m\(sequence)", sequenceId: sequence, on: id) }
        guard case .sendReceipt(let duplicate)? = broker.publish("again", sequenceId: 1, on: id)[id]?.first?.command else {
            Issue.record("no receipt"); return
        }
        #expect(Int64(bitPattern: duplicate.messageId!.entryId) == -1)
        #expect(broker.state.topics[try! TopicName("t")]?.log.count == 3)
        guard case .producerSuccess(let success)? = broker.makeProducer("t", id: 2, on: broker.connect(), name: "p2"),
              case .producerSuccess? = Optional(Command.producerSuccess(success)) else { return }
        #expect(success.lastSequenceId == -1, "a new producer name starts from -1")
    }
}
