@testable import PulsarClient
import PulsarWire
import Testing

@Suite("ConsumerStateMachine", .timeLimit(.minutes(1)))
struct ConsumerStateMachineTests {
    typealias Machine = ConsumerStateMachine<Int>
    let start = PulsarInstant(nanoseconds: 1_000_000_000_000)

    func machine(_ configure: (inout Machine.Configuration) -> Void = { _ in }) -> Machine {
        var configuration = Machine.Configuration(receiverQueueSize: 10)
        configure(&configuration)
        var machine = Machine(configuration: configuration)
        for source in 0..<configuration.sourceCount { _ = machine.sourceConnected(source, now: start) }
        return machine
    }

    func single(_ entry: Int64, redeliveries: UInt32 = 0, source: Int = 0) -> Message {
        Message(messageID: MessageID(ledgerId: 1, entryId: entry), payload: [UInt8(truncatingIfNeeded: entry)],
                redeliveryCount: redeliveries, source: source)
    }

    func batch(_ entry: Int64, size: Int32) -> [Message] {
        (0..<size).map {
            Message(messageID: MessageID(ledgerId: 1, entryId: entry, partition: -1, batchIndex: $0, batchSize: size),
                    payload: [UInt8($0)])
        }
    }

    func entry(_ id: Int64) -> MessageIdData { MessageIdData(ledgerId: 1, entryId: UInt64(id)) }

    @Test func subscribingGrantsTheWholeQueue() {
        var machine = Machine(configuration: .init(receiverQueueSize: 1000))
        #expect(machine.sourceConnected(0, now: start) == [.flow(source: 0, permits: 1000)])
    }

    @Test func messagesGoToWaitersOrWaitInTheQueue() {
        var machine = machine()
        #expect(machine.entryReceived([single(0)], source: 0, now: start) == [])
        #expect(machine.queuedCount == 1)
        #expect(machine.receive(1, now: start) == [.deliver(single(0), to: 1)])
        #expect(machine.receive(2, now: start) == [], "nothing queued: the waiter waits")
        #expect(machine.entryReceived([single(1)], source: 0, now: start) == [.deliver(single(1), to: 2)])
        #expect(machine.poll(now: start).message == nil)
    }

    @Test func permitsAreRefilledOnceHalfTheQueueWasConsumed() {
        var machine = machine()
        for index in 0..<6 { _ = machine.entryReceived([single(Int64(index))], source: 0, now: start) }
        for _ in 0..<4 { #expect(machine.poll(now: start).actions == []) }
        #expect(machine.poll(now: start).actions == [.flow(source: 0, permits: 5)])
        #expect(machine.poll(now: start).actions == [])
    }

    @Test func acknowledgementsAreGroupedByTimeAndCount() {
        var machine = machine { $0.ackGroupingMaxSize = 3 }
        for index in 0..<4 { _ = machine.entryReceived([single(Int64(index))], source: 0, now: start) }
        for _ in 0..<4 { _ = machine.poll(now: start) }
        #expect(machine.acknowledge(single(0).messageID, source: 0, now: start) == [])
        #expect(machine.acknowledge(single(1).messageID, source: 0, now: start) == [])
        #expect(machine.acknowledge(single(2).messageID, source: 0, now: start) == [
            .acknowledge(source: 0, type: .individual, ids: [entry(0), entry(1), entry(2)])])
        #expect(machine.acknowledge(single(3).messageID, source: 0, now: start) == [])
        #expect(machine.tick(now: start + .milliseconds(99)) == [])
        #expect(machine.tick(now: start + .milliseconds(100)) == [.acknowledge(source: 0, type: .individual, ids: [entry(3)])])
    }

    @Test func aBatchIsAcknowledgedOnceEveryMessageIs() {
        var machine = machine { $0.ackGroupingInterval = .zero }
        _ = machine.entryReceived(batch(5, size: 3), source: 0, now: start)
        let messages = (0..<3).compactMap { _ in machine.poll(now: start).message }
        #expect(machine.acknowledge(messages[0].messageID, source: 0, now: start) == [])
        #expect(machine.acknowledge(messages[2].messageID, source: 0, now: start) == [])
        #expect(machine.acknowledge(messages[1].messageID, source: 0, now: start) == [
            .acknowledge(source: 0, type: .individual, ids: [entry(5)])])
    }

    @Test func batchIndexAcknowledgementSendsTheRemainingSet() {
        var machine = machine {
            $0.ackGroupingInterval = .zero
            $0.batchIndexAcknowledgment = true
        }
        _ = machine.entryReceived(batch(5, size: 3), source: 0, now: start)
        let messages = (0..<3).compactMap { _ in machine.poll(now: start).message }
        var partial = entry(5)
        partial.ackSet = [0b101]
        #expect(machine.acknowledge(messages[1].messageID, source: 0, now: start) == [
            .acknowledge(source: 0, type: .individual, ids: [partial])])
    }

    @Test func cumulativeAcknowledgement() throws {
        var shared = machine { $0.subscriptionType = .shared }
        let refused = #expect(throws: PulsarClientError.self) {
            try shared.acknowledgeCumulative(single(0).messageID, source: 0, now: start).get()
        }
        #expect(refused?.code == .notSupported)
        var machine = machine { $0.ackGroupingInterval = .zero }
        _ = machine.entryReceived([single(0)], source: 0, now: start)
        _ = machine.entryReceived(batch(1, size: 3), source: 0, now: start)
        let all = (0..<4).compactMap { _ in machine.poll(now: start).message }
        // Part way through a batch: everything up to the entry before it.
        #expect(try machine.acknowledgeCumulative(all[2].messageID, source: 0, now: start).get() == [
            .acknowledge(source: 0, type: .cumulative, ids: [entry(0)])])
        #expect(try machine.acknowledgeCumulative(all[3].messageID, source: 0, now: start).get() == [
            .acknowledge(source: 0, type: .cumulative, ids: [entry(1)])])
    }

    @Test func negativeAcknowledgementRedeliversAfterTheDelayOnShared() {
        var machine = machine {
            $0.subscriptionType = .shared
            $0.nackRedeliveryDelay = .seconds(1)
        }
        _ = machine.entryReceived([single(0)], source: 0, now: start)
        let message = machine.poll(now: start).message!
        #expect(machine.negativeAcknowledge(message.messageID, source: 0, now: start) == [])
        #expect(machine.tick(now: start + .milliseconds(999)) == [])
        #expect(machine.tick(now: start + .seconds(1)) == [.redeliver(source: 0, ids: [entry(0)])])
        #expect(machine.tick(now: start + .seconds(2)) == [])
    }

    @Test func onExclusiveEverythingUnacknowledgedComesBackAndTheQueueIsCleared() {
        var machine = machine { $0.nackRedeliveryDelay = .zero }
        for index in 0..<6 { _ = machine.entryReceived([single(Int64(index))], source: 0, now: start) }
        let first = machine.poll(now: start).message!
        let actions = machine.negativeAcknowledge(first.messageID, source: 0, now: start)
        // Five queued messages are dropped (the broker resends them) and, with the one taken, their permits return.
        #expect(actions == [.redeliver(source: 0, ids: []), .flow(source: 0, permits: 6)])
        #expect(machine.queuedCount == 0)
    }

    @Test func ackTimeoutRedeliversWhatWasNotAcknowledged() {
        var machine = machine {
            $0.subscriptionType = .shared
            $0.ackTimeout = .seconds(5)
        }
        _ = machine.entryReceived([single(0)], source: 0, now: start)
        _ = machine.entryReceived([single(1)], source: 0, now: start)
        let first = machine.poll(now: start).message!
        _ = machine.poll(now: start + .seconds(1))
        _ = machine.acknowledge(first.messageID, source: 0, now: start)
        let actions = machine.tick(now: start + .seconds(6))
        #expect(actions.contains(.redeliver(source: 0, ids: [entry(1)])))
        #expect(!actions.contains(.redeliver(source: 0, ids: [entry(0)])))
    }

    @Test func pastTheRedeliveryLimitMessagesGoToTheDeadLetterTopic() {
        var machine = machine {
            $0.subscriptionType = .shared
            $0.nackRedeliveryDelay = .zero
            $0.maxRedeliverCount = 2
        }
        _ = machine.entryReceived([single(0, redeliveries: 1)], source: 0, now: start)
        let early = machine.poll(now: start).message!
        #expect(machine.negativeAcknowledge(early.messageID, source: 0, now: start) == [.redeliver(source: 0, ids: [entry(0)])])
        _ = machine.entryReceived([single(0, redeliveries: 2)], source: 0, now: start)
        let last = machine.poll(now: start).message!
        #expect(machine.negativeAcknowledge(last.messageID, source: 0, now: start) == [.deadLetter([last])])
        #expect(machine.tick(now: start + .seconds(120)) == [], "a message being dead-lettered is not redelivered")
    }

    @Test func messagesArrivingPastTheLimitSkipTheApplication() {
        var machine = machine { $0.maxRedeliverCount = 2 }
        let late = single(0, redeliveries: 3)
        #expect(machine.entryReceived([late], source: 0, now: start) == [.deadLetter([late])])
        #expect(machine.queuedCount == 0)
    }

    @Test func disconnectingDropsQueuedMessagesAndHoldsAcknowledgements() {
        var machine = machine { $0.sourceCount = 2 }
        _ = machine.entryReceived([single(0, source: 0)], source: 0, now: start)
        _ = machine.entryReceived([single(1, source: 0)], source: 0, now: start)
        _ = machine.entryReceived([single(9, source: 1)], source: 1, now: start)
        let taken = machine.poll(now: start).message!
        machine.sourceDisconnected(0)
        #expect(machine.queuedCount == 1, "source 1's message stays")
        #expect(machine.acknowledge(taken.messageID, source: 0, now: start) == [])
        #expect(machine.tick(now: start + .seconds(1)) == [], "acknowledgements wait for the connection")
        #expect(machine.sourceConnected(0, now: start) == [
            .acknowledge(source: 0, type: .individual, ids: [entry(0)]), .flow(source: 0, permits: 10)])
        #expect(machine.entryReceived([single(5)], source: 1, now: start).isEmpty)
    }

    @Test func readersDropMessagesBeforeTheirStart() {
        var exclusive = machine()
        let start = MessageID(ledgerId: 1, entryId: 2, partition: -1, batchIndex: 1)
        exclusive.setStart(source: 0, at: start, inclusive: false)
        let received = batch(2, size: 4)
        _ = exclusive.entryReceived(received, source: 0, now: self.start)
        #expect((0..<2).compactMap { _ in exclusive.poll(now: self.start).message?.messageID.batchIndex } == [2, 3])
        var inclusive = machine()
        inclusive.setStart(source: 0, at: start, inclusive: true)
        _ = inclusive.entryReceived(received, source: 0, now: self.start)
        #expect(inclusive.poll(now: self.start).message?.messageID.batchIndex == 1)
    }

    @Test func theBrokersAckSetHidesAcknowledgedBatchMessages() {
        var machine = machine()
        _ = machine.entryReceived(batch(4, size: 3), source: 0, brokerAckSet: [0b100], now: start)
        #expect(machine.queuedCount == 1)
        #expect(machine.poll(now: start).message?.messageID.batchIndex == 2)
    }

    @Test func corruptEntriesAreAcknowledgedWithTheReasonAndTheirPermitsReturned() {
        var machine = machine { $0.receiverQueueSize = 4 }
        _ = machine.sourceConnected(0, now: start)
        let actions = machine.corruptEntryReceived(source: 0, entry: EntryKey(ledgerId: 1, entryId: 3), messageCount: 2,
                                                   reason: .checksumMismatch)
        #expect(actions == [.acknowledgeCorrupt(source: 0, id: entry(3), reason: .checksumMismatch),
                            .flow(source: 0, permits: 2)])
    }

    @Test func closingFailsWaitersAndFlushesAcknowledgements() {
        var machine = machine()
        _ = machine.entryReceived([single(0)], source: 0, now: start)
        let message = machine.poll(now: start).message!
        _ = machine.acknowledge(message.messageID, source: 0, now: start)
        _ = machine.receive(1, now: start)
        let error = PulsarClientError(.alreadyClosed, "closed")
        #expect(machine.closed(error) == [.acknowledge(source: 0, type: .individual, ids: [entry(0)]), .fail(1, error)])
        #expect(machine.receive(2, now: start) == [.fail(2, error)])
    }

    @Test func aCancelledWaiterIsRemoved() {
        var machine = machine()
        _ = machine.receive(1, now: start)
        _ = machine.receive(2, now: start)
        #expect(machine.cancelReceive { $0 == 1 } == 1)
        #expect(machine.cancelReceive { $0 == 1 } == nil)
        #expect(machine.entryReceived([single(0)], source: 0, now: start) == [.deliver(single(0), to: 2)])
    }
}
