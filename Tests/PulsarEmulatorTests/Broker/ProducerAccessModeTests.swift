import PulsarWire
import Testing
@testable import PulsarEmulator

@Suite("Broker: producer access modes and topic epochs, as AbstractTopic decides them", .timeLimit(.minutes(1)))
struct ProducerAccessModeTests {
    private func error(_ command: Command?) -> (ServerError, String)? {
        guard case .error(let error)? = command else { return nil }
        return (error.error, error.message)
    }

    private func success(_ command: Command?) -> CommandProducerSuccess? {
        guard case .producerSuccess(let success)? = command else { return nil }
        return success
    }

    @Test("PRODUCER_SUCCESS: schema_version always (empty without a schema), producer_ready, first epoch 0")
    func successFields() {
        var broker = BrokerHarness()
        let a = broker.connect(), b = broker.connect()
        let shared = success(broker.makeProducer("t", on: a))
        #expect(shared?.hasSchemaVersion == true && shared?.schemaVersion == [])
        #expect(shared?.hasProducerReady == true && shared?.producerReady == true)
        #expect(shared?.hasTopicEpoch == false, "no exclusive producer yet: the topic has no epoch")
        let exclusive = success(broker.makeProducer("u", on: b, accessMode: .exclusive))
        #expect(exclusive?.hasTopicEpoch == true && exclusive?.topicEpoch == 0)
    }

    @Test("Exclusive beside other producers is fenced; Shared beside an exclusive one is busy")
    func exclusiveConflicts() {
        var broker = BrokerHarness()
        let a = broker.connect(), b = broker.connect(), c = broker.connect()
        _ = broker.makeProducer("t", on: a, name: "shared-one")
        let fenced = error(broker.makeProducer("t", on: b, accessMode: .exclusive))
        #expect(fenced?.0 == .producerFenced && fenced?.1 == "Topic has existing shared producers")
        _ = broker.makeProducer("u", on: b, name: "owner", accessMode: .exclusive)
        let second = error(broker.makeProducer("u", on: c, accessMode: .exclusive))
        #expect(second?.0 == .producerFenced && second?.1 == "Topic has an existing exclusive producer: owner")
        let shared = error(broker.makeProducer("u", id: 2, on: a))
        #expect(shared?.0 == .producerBusy && shared?.1 == "Topic has an existing exclusive producer: owner")
    }

    @Test("WaitForExclusive: queued without an epoch, then promoted with the next epoch when the holder leaves")
    func waitForExclusive() {
        var broker = BrokerHarness()
        let a = broker.connect(), b = broker.connect()
        _ = broker.makeProducer("t", on: a, accessMode: .exclusive)
        let queued = success(broker.makeProducer("t", on: b, accessMode: .waitForExclusive))
        #expect(queued?.producerReady == false && queued?.hasTopicEpoch == false)
        let promoted = broker.handle(.closeProducer(CommandCloseProducer(producerId: 1, requestId: 5)), from: a)[b]?.first?.command
        #expect(success(promoted)?.producerReady == true)
        #expect(success(promoted)?.topicEpoch == 1)
    }

    @Test("ExclusiveWithFencing: queued producers fail with ProducerFenced, current ones are closed and cannot come back")
    func fencing() {
        var broker = BrokerHarness()
        let a = broker.connect(), b = broker.connect(), c = broker.connect()
        _ = broker.makeProducer("t", on: a, accessMode: .exclusive)
        _ = broker.makeProducer("t", on: b, accessMode: .waitForExclusive)
        let frames = broker.handle(.producer(CommandProducer(topic: "t", producerId: 1, requestId: 77,
                                                             producerAccessMode: .exclusiveWithFencing)), from: c)
        #expect(frames[a]?.first?.command == .closeProducer(CommandCloseProducer(producerId: 1, requestId: UInt64.max)))
        let queued = error(frames[b]?.first?.command)
        #expect(queued?.0 == .producerFenced && queued?.1 == "Fenced out")
        #expect(success(frames[c]?.first?.command)?.topicEpoch == 1)
        // The closed producer reconnects with the epoch it had: the topic moved on, so it is fenced, even once the
        // new holder has gone.
        let back = broker.handle(.producer(CommandProducer(topic: "t", producerId: 2, requestId: 78,
                                                           producerAccessMode: .exclusive, topicEpoch: 0)), from: a)[a]?.first?.command
        #expect(error(back)?.0 == .producerFenced)
        _ = broker.handle(.closeProducer(CommandCloseProducer(producerId: 1, requestId: 79)), from: c)
        let later = broker.handle(.producer(CommandProducer(topic: "t", producerId: 3, requestId: 80,
                                                            producerAccessMode: .exclusive, topicEpoch: 0)), from: a)[a]?.first?.command
        #expect(error(later)?.0 == .producerFenced)
        #expect(error(later)?.1 == "Topic epoch has already moved. Current epoch: 1, Producer epoch: 0")
    }
}
