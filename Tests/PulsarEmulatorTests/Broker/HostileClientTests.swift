import Testing
import PulsarWire
@testable import PulsarEmulator

/// Broker-state regression tests for hostile or buggy clients (no I/O): each case corrupted or froze the emulator
/// before its fix.
@Suite("Broker: hostile clients")
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
}
