import Testing
import PulsarWire
@testable import PulsarEmulator

@Suite("Broker: redelivery, unsubscribe, seek, last message id", .timeLimit(.minutes(1)))
struct RedeliveryTests {
    private func setUp(type: SubscriptionType, count: Int = 3,
                       retention: EmulatorConfiguration.RetentionPolicy = .untilAcknowledged) -> (BrokerHarness, ConnectionID, ConnectionID) {
        var broker = BrokerHarness { $0.retention = retention }
        let producer = broker.connect(), consumer = broker.connect()
        broker.subscribe("t", "s", type: type, on: consumer)
        broker.makeProducer("t", on: producer)
        for sequence in 0..<count { broker.publish("m\(sequence)", sequenceId: UInt64(sequence), on: producer) }
        return (broker, producer, consumer)
    }

    @Test("Exclusive: REDELIVER brings back every unacknowledged entry, with redelivery count 0 like the broker")
    func exclusiveRedeliverAll() {
        var (broker, _, consumer) = setUp(type: .exclusive)
        _ = broker.flow(10, on: consumer)
        broker.ack([1], on: consumer)
        let frames = broker.handle(.redeliverUnacknowledgedMessages(CommandRedeliverUnacknowledgedMessages(
            consumerId: 1, messageIds: [MessageIdData(ledgerId: 1, entryId: 2)])), from: consumer)[consumer] ?? []
        #expect(broker.messages(frames).map(\.payloadString) == ["m0", "m2"])
        #expect(broker.messages(frames).allSatisfy { $0.message?.redeliveryCount == 0 })
        #expect(broker.state.topics[try! TopicName("t")]?.subscriptions["s"]?.messagesRedelivered == 2,
                "the statistics count redeliveries on Exclusive too")
    }

    @Test("Shared: redelivery counts are forgotten when the last consumer leaves, as the broker's tracker is")
    func sharedCountsClearedWithLastConsumer() {
        var (broker, _, consumer) = setUp(type: .shared)
        _ = broker.flow(10, on: consumer)
        _ = broker.handle(.redeliverUnacknowledgedMessages(CommandRedeliverUnacknowledgedMessages(consumerId: 1)), from: consumer)
        _ = broker.drop(consumer)
        let again = broker.connect()
        broker.subscribe("t", "s", type: .shared, on: again)
        let frames = broker.flow(10, on: again)
        #expect(frames.map(\.payloadString) == ["m0", "m1", "m2"])
        #expect(frames.allSatisfy { $0.message?.redeliveryCount == 0 })
    }

    @Test("Shared: REDELIVER with ids brings back just those, counting each redelivery")
    func sharedRedeliverIds() {
        var (broker, _, consumer) = setUp(type: .shared)
        _ = broker.flow(10, on: consumer)
        for round in UInt32(1)...2 {
            let frames = broker.handle(.redeliverUnacknowledgedMessages(CommandRedeliverUnacknowledgedMessages(
                consumerId: 1, messageIds: [MessageIdData(ledgerId: 1, entryId: 1)])), from: consumer)[consumer] ?? []
            #expect(broker.messages(frames).map(\.payloadString) == ["m1"])
            #expect(broker.messages(frames).first?.message?.redeliveryCount == round)
        }
    }

    @Test("UNSUBSCRIBE is refused with MetadataError while others are attached, and deletes the subscription otherwise")
    func unsubscribe() {
        var broker = BrokerHarness()
        let a = broker.connect(), b = broker.connect()
        broker.subscribe("t", "s", type: .shared, on: a)
        broker.subscribe("t", "s", type: .shared, on: b)
        let refused = broker.handle(.unsubscribe(CommandUnsubscribe(consumerId: 1, requestId: 5)), from: a)[a]?.first?.command
        #expect(refused?.serverError == .metadataError)
        _ = broker.drop(b)
        let accepted = broker.handle(.unsubscribe(CommandUnsubscribe(consumerId: 1, requestId: 6)), from: a)[a]?.first?.command
        #expect(accepted == .success(CommandSuccess(requestId: 6)))
        #expect(broker.state.topics[try! TopicName("t")]?.subscriptions["s"] == nil)
    }

    @Test("SEEK closes the subscription's consumers before answering and moves the cursor")
    func seek() {
        var (broker, _, consumer) = setUp(type: .exclusive, count: 5, retention: .forever)
        _ = broker.flow(10, on: consumer)
        broker.ack([0, 1, 2, 3, 4], on: consumer)
        let frames = broker.handle(.seek(CommandSeek(consumerId: 1, requestId: 8, messageId: MessageIdData(ledgerId: 1, entryId: 2))),
                                   from: consumer)[consumer] ?? []
        #expect(frames.map(\.command.type) == [.closeConsumer, .success])
        let again = broker.connect()
        broker.subscribe("t", "s", on: again)
        #expect(broker.flow(10, on: again).map(\.payloadString) == ["m2", "m3", "m4"])
    }

    @Test("GET_LAST_MESSAGE_ID answers (-1, -1) on an empty topic, the last entry otherwise, and the mark-delete position always")
    func lastMessageId() {
        var broker = BrokerHarness()
        let id = broker.connect()
        broker.subscribe("t", "s", on: id)
        let request = Command.getLastMessageId(CommandGetLastMessageId(consumerId: 1, requestId: 9))
        guard case .getLastMessageIdResponse(let empty)? = broker.handle(request, from: id)[id]?.first?.command else {
            Issue.record("no response"); return
        }
        #expect(Int64(bitPattern: empty.lastMessageId.ledgerId) == -1 && Int64(bitPattern: empty.lastMessageId.entryId) == -1)
        #expect(empty.lastMessageId.partition == -1)
        #expect(empty.consumerMarkDeletePosition?.ledgerId == 1, "the cursor's position in the current ledger")
        #expect(empty.consumerMarkDeletePosition?.hasPartition == false)
        #expect(empty.consumerMarkDeletePosition.map { Int64(bitPattern: $0.entryId) } == -1)
        broker.makeProducer("t", on: id)
        broker.publish("a", sequenceId: 0, on: id)
        broker.publish("b", sequenceId: 1, on: id, batchSize: 4)
        guard case .getLastMessageIdResponse(let last)? = broker.handle(request, from: id)[id]?.first?.command else {
            Issue.record("no response"); return
        }
        #expect(last.lastMessageId.ledgerId == 1 && last.lastMessageId.entryId == 1)
        #expect(last.lastMessageId.batchIndex == 3)
        #expect(last.consumerMarkDeletePosition.map { Int64(bitPattern: $0.entryId) } == -1, "nothing acknowledged yet")
    }

    @Test("readers start at their start id (the entry itself), earliest or latest")
    func readers() {
        var broker = BrokerHarness()
        let producer = broker.connect()
        broker.makeProducer("t", on: producer)
        for sequence in UInt64(0)..<4 { broker.publish("m\(sequence)", sequenceId: sequence, on: producer) }
        let cases: [(MessageIdData, [String?])] = [
            (MessageIdData(ledgerId: UInt64.max, entryId: UInt64.max), ["m0", "m1", "m2", "m3"]),
            (MessageIdData(ledgerId: 1, entryId: 2), ["m2", "m3"]),
            (MessageIdData(ledgerId: UInt64(Int64.max), entryId: UInt64(Int64.max)), []),
        ]
        for (index, (start, expected)) in cases.enumerated() {
            let reader = broker.connect()
            broker.subscribe("t", "reader-\(index)", on: reader, durable: false, startMessageId: start)
            #expect(broker.flow(10, on: reader).map(\.payloadString) == expected)
            _ = broker.drop(reader)
            #expect(broker.state.topics[try! TopicName("t")]?.subscriptions["reader-\(index)"] == nil,
                    "a reader's subscription ends with it")
        }
    }

    @Test("until-acknowledged retention trims entries once every durable subscription has them")
    func trimming() {
        var broker = BrokerHarness { $0.retention = .untilAcknowledged }
        let producer = broker.connect()
        broker.makeProducer("t", on: producer)
        broker.publish("kept", sequenceId: 0, on: producer)
        #expect(broker.state.topics[try! TopicName("t")]?.log.count == 1)
        let consumer = broker.connect()
        broker.subscribe("t", "s", on: consumer, initialPosition: .earliest)
        #expect(broker.flow(10, on: consumer).map(\.payloadString) == ["kept"])
        broker.ack([0], on: consumer)
        #expect(broker.state.topics[try! TopicName("t")]?.log.count == 0)
    }

    @Test("default retention keeps acknowledged entries of the current ledger: a new Earliest subscription reads them")
    func acknowledgedLedgerKept() {
        var broker = BrokerHarness()
        let producer = broker.connect(), consumer = broker.connect()
        broker.subscribe("t", "s", on: consumer)
        broker.makeProducer("t", on: producer)
        for sequence in UInt64(0)..<3 { broker.publish("m\(sequence)", sequenceId: sequence, on: producer) }
        _ = broker.flow(10, on: consumer)
        broker.ack([0, 1, 2], on: consumer)
        #expect(broker.state.topics[try! TopicName("t")]?.log.count == 3)
        let late = broker.connect()
        broker.subscribe("t", "late", on: late, initialPosition: .earliest)
        #expect(broker.flow(10, on: late).map(\.payloadString) == ["m0", "m1", "m2"])
    }

    @Test("default retention deletes a closed ledger once every durable subscription acknowledged all of it")
    func closedLedgerTrimmed() {
        var broker = BrokerHarness { $0.ledgerRollover = LedgerRollover(maxEntries: 2) }
        let producer = broker.connect(), consumer = broker.connect()
        broker.subscribe("t", "s", on: consumer)
        broker.makeProducer("t", on: producer)
        for sequence in UInt64(0)..<5 { broker.publish("m\(sequence)", sequenceId: sequence, on: producer) }
        let delivered = broker.flow(10, on: consumer)
        let ids = delivered.compactMap { frame -> (UInt64, UInt64)? in
            guard case .message(let message) = frame.command else { return nil }
            return (message.messageId.ledgerId, message.messageId.entryId)
        }
        #expect(ids.map(\.0) == [1, 1, 2, 2, 3] && ids.map(\.1) == [0, 1, 0, 1, 0], "entry ids restart in each ledger")
        broker.ack([0, 1], on: consumer, ledger: 1)
        broker.ack([0], on: consumer, ledger: 2)
        let log = broker.state.topics[try! TopicName("t")]!.log
        #expect(log.firstEntryId == 2, "ledger 1 deleted; ledger 2 is not fully acknowledged")
        broker.ack([1], on: consumer, ledger: 2)
        broker.ack([0], on: consumer, ledger: 3)
        #expect(broker.state.topics[try! TopicName("t")]!.log.firstEntryId == 4, "the current ledger stays")
    }

    @Test("default retention without durable subscriptions deletes closed ledgers as they close")
    func noSubscriptionTrimmed() {
        var broker = BrokerHarness { $0.ledgerRollover = LedgerRollover(maxEntries: 2) }
        let producer = broker.connect()
        broker.makeProducer("t", on: producer)
        for sequence in UInt64(0)..<5 { broker.publish("m\(sequence)", sequenceId: sequence, on: producer) }
        let log = broker.state.topics[try! TopicName("t")]!.log
        #expect(log.firstEntryId == 4 && log.count == 1)
    }

    @Test("retention limits keep the newest acknowledged entries")
    func retentionLimits() {
        var broker = BrokerHarness { $0.retention = .limits(entries: 2, age: nil) }
        let producer = broker.connect(), consumer = broker.connect()
        broker.subscribe("t", "s", on: consumer)
        broker.makeProducer("t", on: producer)
        for sequence in UInt64(0)..<5 { broker.publish("m\(sequence)", sequenceId: sequence, on: producer) }
        _ = broker.flow(10, on: consumer)
        broker.ack([0, 1, 2, 3, 4], on: consumer)
        let log = broker.state.topics[try! TopicName("t")]!.log
        #expect(log.firstEntryId == 3 && log.count == 2)
    }
}
