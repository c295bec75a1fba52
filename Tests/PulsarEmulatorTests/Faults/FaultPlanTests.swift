import Testing
import PulsarWire
@testable import PulsarEmulator

/// Broker faults on the pure broker state: requests in, the injected answers out, no I/O.
@Suite("Broker faults: injected failures and receipt faults")
struct FaultPlanTests {
    private func arm(_ broker: inout BrokerHarness, _ operation: BrokerOperation, _ error: ServerError = .serviceNotReady,
                     count: Int = 1, topic: String? = nil) {
        broker.state.faults.failNext(FaultPlan.Failure(operation: operation, error: error, message: "injected",
                                                       remaining: count, topic: topic.map { try! TopicName($0) }))
    }

    private func receipts(_ frames: [Frame]?) -> [UInt64] {
        (frames ?? []).compactMap { if case .sendReceipt(let receipt) = $0.command { receipt.sequenceId } else { nil } }
    }

    @Test("failNext(.send) answers SEND_ERROR and stores nothing; the next SEND is stored")
    func sendFailsOnce() {
        var broker = BrokerHarness()
        let id = broker.connect()
        broker.makeProducer("t", on: id)
        arm(&broker, .send, .persistenceError)
        let first = broker.publish("a", sequenceId: 0, on: id)[id]?.first?.command
        #expect(first == .sendError(CommandSendError(producerId: 1, sequenceId: 0, error: .persistenceError, message: "injected")))
        #expect(broker.state.topics[try! TopicName("t")]?.log.count == 0)
        #expect(receipts(broker.publish("a", sequenceId: 0, on: id)[id]) == [0])
        #expect(broker.state.topics[try! TopicName("t")]?.log.count == 1)
        #expect(broker.state.faults.currentReport.failedRequests == [.send: 1])
        #expect(broker.state.faults.isIdle)
    }

    @Test("a topic filter matches that topic only; a count of 2 fails two requests")
    func topicFilterAndCount() {
        var broker = BrokerHarness()
        let id = broker.connect()
        arm(&broker, .producer, .topicNotFound, count: 2, topic: "persistent://public/default/a")
        #expect(broker.makeProducer("b", id: 1, on: id)?.type == .producerSuccess)
        #expect(broker.makeProducer("a", id: 2, on: id) == .error(CommandError(requestId: 1002, error: .topicNotFound, message: "injected")))
        #expect(broker.makeProducer("a", id: 3, on: id)?.type == .error)
        #expect(broker.makeProducer("a", id: 4, on: id)?.type == .producerSuccess)
    }

    @Test("failNext(.lookup) and (.partitionedMetadata) answer failed responses with the error")
    func lookupFails() {
        var broker = BrokerHarness()
        let id = broker.connect()
        arm(&broker, .lookup, .serviceNotReady)
        arm(&broker, .partitionedMetadata, .metadataError)
        let lookup = broker.handle(.lookup(CommandLookupTopic(topic: "t", requestId: 7)), from: id)[id]?.first?.command
        #expect(lookup == .lookupResponse(CommandLookupTopicResponse(response: .failed, requestId: 7, error: .serviceNotReady,
                                                                     message: "injected")))
        let metadata = broker.handle(.partitionedMetadata(CommandPartitionedTopicMetadata(topic: "t", requestId: 8)),
                                     from: id)[id]?.first?.command
        #expect(metadata == .partitionedMetadataResponse(CommandPartitionedTopicMetadataResponse(
            requestId: 8, response: .failed, error: .metadataError, message: "injected")))
    }

    @Test("failNext(.connect) answers ERROR and closes the connection")
    func connectFails() {
        var broker = BrokerHarness()
        arm(&broker, .connect, .authenticationError)
        let id = broker.open()
        let reply = broker.handle(.connect(CommandConnect(clientVersion: "t", protocolVersion: 20)), from: id)[id]?.first?.command
        #expect(reply?.type == .error)
        #expect(broker.closed[id] != nil)
        let again = broker.open()
        let second = broker.handle(.connect(CommandConnect(clientVersion: "t", protocolVersion: 20)), from: again)[again]
        #expect(second?.first?.command.type == .connected)
    }

    @Test("failNext(.ack) answers the ack's request with the error and acknowledges nothing")
    func ackFails() {
        var broker = BrokerHarness()
        let id = broker.connect()
        broker.makeProducer("t", on: id)
        broker.subscribe("t", "s", on: id, initialPosition: .earliest)
        broker.publish("a", sequenceId: 0, on: id)
        let message = broker.flow(10, on: id).first!.message!
        arm(&broker, .ack, .unknownError)
        let ack = CommandAck(consumerId: 1, ackType: .individual, messageId: [message.messageId], requestId: 55)
        let reply = broker.handle(.ack(ack), from: id)[id]?.first?.command
        #expect(reply == .ackResponse(CommandAckResponse(consumerId: 1, error: .unknownError, message: "injected", requestId: 55)))
        #expect(broker.state.snapshot(of: try! TopicName("t"))?.subscriptions.first?.unacknowledged == 1)
        #expect(broker.handle(.ack(ack), from: id)[id]?.first?.command
                == .ackResponse(CommandAckResponse(consumerId: 1, requestId: 55)))
        #expect(broker.state.snapshot(of: try! TopicName("t"))?.subscriptions.first?.unacknowledged == 0)
    }

    @Test("held receipts: the messages are stored, the receipts wait for release and leave in order")
    func holdReceipts() {
        var broker = BrokerHarness()
        let id = broker.connect()
        broker.makeProducer("t", on: id)
        broker.state.faults.faultReceipts(.hold, count: 2, topic: nil)
        #expect(receipts(broker.publish("a", sequenceId: 0, on: id)[id]).isEmpty)
        #expect(receipts(broker.publish("b", sequenceId: 1, on: id)[id]).isEmpty)
        #expect(receipts(broker.publish("c", sequenceId: 2, on: id)[id]) == [2], "only the next 2 are held")
        #expect(broker.state.topics[try! TopicName("t")]?.log.count == 3)
        #expect(broker.state.faults.currentReport.heldReceipts == 2)
        var outputs = BrokerOutputs()
        broker.state.faults.releaseHeld(into: &outputs)
        #expect(receipts(broker.collect(outputs)[id]) == [0, 1])
        #expect(broker.state.faults.isIdle)
    }

    @Test("dropped receipts never leave; reversed receipts leave newest first once the count is reached")
    func dropAndReverse() {
        var broker = BrokerHarness()
        let id = broker.connect()
        broker.makeProducer("t", on: id)
        broker.state.faults.faultReceipts(.drop, count: 1, topic: nil)
        #expect(receipts(broker.publish("a", sequenceId: 0, on: id)[id]).isEmpty)
        broker.state.faults.faultReceipts(.reverse, count: 3, topic: nil)
        #expect(receipts(broker.publish("b", sequenceId: 1, on: id)[id]).isEmpty)
        #expect(receipts(broker.publish("c", sequenceId: 2, on: id)[id]).isEmpty)
        #expect(receipts(broker.publish("d", sequenceId: 3, on: id)[id]) == [3, 2, 1])
        let report = broker.state.faults.currentReport
        #expect(report.droppedReceipts == 1 && report.reorderedReceipts == 3 && report.heldReceipts == 0)
        #expect(broker.state.topics[try! TopicName("t")]?.log.count == 4)
    }

    @Test("a receipt fault with a topic leaves other topics' receipts alone")
    func receiptTopicFilter() {
        var broker = BrokerHarness()
        let id = broker.connect()
        broker.makeProducer("a", id: 1, on: id)
        broker.makeProducer("b", id: 2, on: id)
        broker.state.faults.faultReceipts(.drop, count: 5, topic: try! TopicName("b"))
        #expect(receipts(broker.publish("x", producer: 1, sequenceId: 0, on: id)[id]) == [0])
        #expect(receipts(broker.publish("y", producer: 2, sequenceId: 0, on: id)[id]).isEmpty)
        #expect(broker.state.faults.currentReport.armedReceipts == 4)
    }
}
