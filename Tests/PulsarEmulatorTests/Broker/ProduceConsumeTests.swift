import Testing
import PulsarWire
@testable import PulsarEmulator

@Suite("Broker: producing, dispatch under permits, acknowledgement", .timeLimit(.minutes(1)))
struct ProduceConsumeTests {
    @Test("producers get unique generated names; a taken name gets ProducerBusy")
    func producerNames() {
        var broker = BrokerHarness()
        let id = broker.connect()
        guard case .producerSuccess(let first)? = broker.makeProducer("t", id: 1, on: id),
              case .producerSuccess(let second)? = broker.makeProducer("t", id: 2, on: id) else {
            Issue.record("expected PRODUCER_SUCCESS"); return
        }
        #expect(first.producerName != second.producerName)
        #expect(broker.makeProducer("t", id: 3, on: id, name: first.producerName)?.serverError == .producerBusy)
    }

    @Test("SEND receipts come in order with growing entry ids and echo the sequence id")
    func receipts() {
        var broker = BrokerHarness()
        let id = broker.connect()
        broker.makeProducer("t", on: id)
        for sequence in UInt64(0)..<5 {
            guard case .sendReceipt(let receipt)? = broker.publish("m\(sequence)", sequenceId: sequence, on: id)[id]?.first?.command else {
                Issue.record("no receipt"); return
            }
            #expect(receipt.sequenceId == sequence)
            #expect(receipt.messageId?.entryId == sequence)
        }
    }

    @Test("a consumer gets nothing before FLOW, then as many entries as permits, with the producer's exact bytes")
    func permits() throws {
        var broker = BrokerHarness()
        let producerConnection = broker.connect(), consumerConnection = broker.connect()
        broker.subscribe("t", "s", on: consumerConnection)
        broker.makeProducer("t", on: producerConnection)
        let sent = broker.publish("zero", sequenceId: 0, on: producerConnection)
        #expect(sent[consumerConnection] == nil, "no permits yet")
        broker.publish("one", sequenceId: 1, on: producerConnection)
        broker.publish("two", sequenceId: 2, on: producerConnection)
        let delivered = broker.flow(2, on: consumerConnection)
        #expect(delivered.map(\.payloadString) == ["zero", "one"])
        #expect(broker.flow(5, on: consumerConnection).map(\.payloadString) == ["two"])
        let stored = broker.state.topics[try TopicName("t")]!.log
        let storedBytes = stored.withBytes(0) { [UInt8]($0) }
        #expect(delivered[0].entry.map { Array($0.bytes) } == storedBytes, "entries are replayed byte for byte")
        #expect(delivered[0].entry?.isChecksumValid == true)
    }

    @Test("a batch costs its message count in permits, and may take permits below zero")
    func batchPermits() {
        var broker = BrokerHarness()
        let producer = broker.connect(), consumer = broker.connect()
        broker.subscribe("t", "s", on: consumer)
        broker.makeProducer("t", on: producer)
        broker.publish("batch-of-10", sequenceId: 0, on: producer, batchSize: 10)
        broker.publish("next", sequenceId: 10, on: producer)
        #expect(broker.flow(4, on: consumer).count == 1)
        #expect(broker.state.consumers.values.first?.permits == -6)
        #expect(broker.flow(6, on: consumer).isEmpty)
        #expect(broker.flow(1, on: consumer).map(\.payloadString) == ["next"])
    }

    @Test("a second Exclusive consumer gets ConsumerBusy; after the first leaves, a new one takes over")
    func exclusive() {
        var broker = BrokerHarness()
        let first = broker.connect(), second = broker.connect()
        #expect(broker.subscribe("t", "s", on: first) == .success(CommandSuccess(requestId: 2001)))
        #expect(broker.subscribe("t", "s", on: second)?.serverError == .consumerBusy)
        _ = broker.drop(first)
        #expect(broker.subscribe("t", "s", on: second) == .success(CommandSuccess(requestId: 2001)))
    }

    @Test("another subscription type is refused while consumers are attached")
    func typeMismatch() {
        var broker = BrokerHarness()
        let id = broker.connect()
        broker.subscribe("t", "s", type: .shared, consumer: 1, on: id)
        #expect(broker.subscribe("t", "s", type: .failover, consumer: 2, on: id)?.serverError == .consumerBusy)
    }

    @Test("acknowledged entries are not redelivered to the next consumer; unacknowledged ones are")
    func ackThenResubscribe() {
        var broker = BrokerHarness()
        let producer = broker.connect(), consumer = broker.connect()
        broker.subscribe("t", "s", on: consumer)
        broker.makeProducer("t", on: producer)
        for sequence in UInt64(0)..<4 { broker.publish("m\(sequence)", sequenceId: sequence, on: producer) }
        #expect(broker.flow(10, on: consumer).count == 4)
        broker.ack([0, 2], on: consumer)
        _ = broker.drop(consumer)
        let again = broker.connect()
        broker.subscribe("t", "s", on: again)
        let redelivered = broker.flow(10, on: again)
        #expect(redelivered.map(\.payloadString) == ["m1", "m3"])
        #expect(redelivered.allSatisfy { $0.message?.redeliveryCount == 0 }, "a disconnect does not count as a redelivery")
    }

    @Test("Shared: entries are spread over consumers with permits; a departing consumer's entries go to the others")
    func shared() {
        var broker = BrokerHarness()
        let producer = broker.connect(), a = broker.connect(), b = broker.connect()
        broker.subscribe("t", "s", type: .shared, on: a)
        broker.subscribe("t", "s", type: .shared, on: b)
        broker.makeProducer("t", on: producer)
        _ = broker.flow(2, on: a)
        _ = broker.flow(100, on: b)
        var toA = 0, toB = 0
        for sequence in UInt64(0)..<10 {
            let frames = broker.publish("m\(sequence)", sequenceId: sequence, on: producer)
            toA += broker.messages(frames[a] ?? []).count
            toB += broker.messages(frames[b] ?? []).count
        }
        #expect(toA == 2 && toB == 8)
        let redelivered = broker.drop(a)
        #expect(broker.messages(redelivered[b] ?? []).map(\.payloadString).count == 2)
    }

    @Test("cumulative ack acknowledges everything up to the id")
    func cumulative() {
        var broker = BrokerHarness()
        let producer = broker.connect(), consumer = broker.connect()
        broker.subscribe("t", "s", on: consumer)
        broker.makeProducer("t", on: producer)
        for sequence in UInt64(0)..<5 { broker.publish("m\(sequence)", sequenceId: sequence, on: producer) }
        _ = broker.flow(10, on: consumer)
        broker.handle(.ack(CommandAck(consumerId: 1, ackType: .cumulative, messageId: [MessageIdData(ledgerId: 1, entryId: 2)])),
                      from: consumer)
        let subscription = broker.state.topics[try! TopicName("t")]!.subscriptions["s"]!
        #expect(subscription.cursor.markDeletePosition == 2)
        #expect(subscription.pending.keys.sorted() == [3, 4])
    }

    @Test("an ACK with a request id is answered with ACK_RESPONSE")
    func ackResponse() {
        var broker = BrokerHarness()
        let id = broker.connect()
        broker.subscribe("t", "s", on: id)
        let reply = broker.handle(.ack(CommandAck(consumerId: 1, ackType: .individual, messageId: [], requestId: 42)), from: id)[id]
        #expect(reply?.first?.command == .ackResponse(CommandAckResponse(consumerId: 1, requestId: 42)))
    }

    @Test("batch-index acks: the entry counts as acknowledged only when every index is")
    func batchIndexAck() {
        var broker = BrokerHarness()
        let producer = broker.connect(), consumer = broker.connect()
        broker.subscribe("t", "s", on: consumer)
        broker.makeProducer("t", on: producer)
        broker.publish("batch", sequenceId: 0, on: producer, batchSize: 3)
        _ = broker.flow(10, on: consumer)
        // Ack index 0: the ack set keeps indexes 1 and 2 (bits set = still unacknowledged).
        broker.handle(.ack(CommandAck(consumerId: 1, ackType: .individual,
                                      messageId: [MessageIdData(ledgerId: 1, entryId: 0, ackSet: [0b110])])), from: consumer)
        var subscription = broker.state.topics[try! TopicName("t")]!.subscriptions["s"]!
        #expect(!subscription.cursor.isAcknowledged(0))
        // Redelivery carries the remaining ack set so the client skips index 0.
        broker.handle(.redeliverUnacknowledgedMessages(CommandRedeliverUnacknowledgedMessages(consumerId: 1)), from: consumer)
        subscription = broker.state.topics[try! TopicName("t")]!.subscriptions["s"]!
        #expect(subscription.pending[0] != nil)
        broker.handle(.ack(CommandAck(consumerId: 1, ackType: .individual,
                                      messageId: [MessageIdData(ledgerId: 1, entryId: 0, ackSet: [0b001])])), from: consumer)
        subscription = broker.state.topics[try! TopicName("t")]!.subscriptions["s"]!
        #expect(subscription.cursor.isAcknowledged(0))
    }
}
