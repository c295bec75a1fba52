@testable import PulsarClient
import PulsarWire
import Testing

@Suite("ProducerStateMachine", .timeLimit(.minutes(1)))
struct ProducerStateMachineTests {
    typealias Machine = ProducerStateMachine<Int>
    let start = PulsarInstant(nanoseconds: 1_000_000_000_000)

    func machine(_ configure: (inout Machine.Configuration) -> Void = { _ in }) -> Machine {
        var configuration = Machine.Configuration(producerId: 7)
        configure(&configuration)
        var machine = Machine(configuration: configuration)
        _ = machine.producerCreated(name: "p", lastSequenceId: -1, maxMessageSize: 5 << 20)
        return machine
    }

    func message(_ text: String, _ options: SendOptions = SendOptions()) -> OutgoingMessage {
        OutgoingMessage(payload: Array(text.utf8), options: options, publishTime: 1_700_000_000_000)
    }

    /// The frames written by `actions`, decoded.
    func writes(_ actions: [Machine.Action]) throws -> [Frame] {
        try actions.compactMap { action in
            guard case .write(let bytes) = action else { return nil }
            return try Frame(decoding: bytes[...])
        }
    }

    func receipt(_ sequenceId: UInt64, entry: UInt64 = 0) -> CommandSendReceipt {
        CommandSendReceipt(producerId: 7, sequenceId: sequenceId, messageId: MessageIdData(ledgerId: 3, entryId: entry))
    }

    @Test func refusesMessagesBeforeTheProducerExists() {
        var machine = Machine(configuration: .init(producerId: 1))
        let (outcome, actions) = machine.enqueue(message("x"), token: 1, now: start)
        #expect(actions == [])
        guard case .rejected(let error) = outcome else { Issue.record("\(outcome)"); return }
        #expect(error.code == .connectionClosed)
    }

    @Test func batchesByCountAndMatchesTheReceipt() throws {
        var machine = machine { $0.batchingMaxMessages = 3 }
        #expect(machine.enqueue(message("a"), token: 1, now: start) == (.accepted, []))
        #expect(machine.enqueue(message("b", SendOptions(key: "k")), token: 2, now: start) == (.accepted, []))
        let (outcome, actions) = machine.enqueue(message("c"), token: 3, now: start)
        #expect(outcome == .accepted)
        let frames = try writes(actions)
        #expect(frames.count == 1)
        guard case .send(let send) = frames[0].command, let entry = frames[0].entry else { Issue.record("not a SEND"); return }
        #expect((send.producerId, send.sequenceId, send.numMessages) == (7, 0, 3))
        let metadata = try entry.metadata()
        #expect(metadata.numMessagesInBatch == 3 && metadata.producerName == "p" && metadata.sequenceId == 0)
        let batch = try BatchCodec.decode(entry.payload, count: 3)
        #expect(batch.map { String(decoding: $0.payload, as: UTF8.self) } == ["a", "b", "c"])
        #expect(batch.map(\.metadata.sequenceId) == [0, 1, 2])
        #expect(batch[1].metadata.partitionKey == "k")
        let done = machine.receiptReceived(receipt(0, entry: 9), now: start)
        #expect(done == [.succeed([
            .init(token: 1, messageID: MessageID(ledgerId: 3, entryId: 9, batchIndex: 0)),
            .init(token: 2, messageID: MessageID(ledgerId: 3, entryId: 9, batchIndex: 1)),
            .init(token: 3, messageID: MessageID(ledgerId: 3, entryId: 9, batchIndex: 2)),
        ])])
        #expect(machine.queuedMessageCount == 0)
    }

    @Test func batchesByBytes() throws {
        var machine = machine { $0.batchingMaxBytes = 100 }
        let big = String(repeating: "x", count: 60)
        #expect(machine.enqueue(message(big), token: 1, now: start).actions == [])
        // The second would overflow 100 bytes: the first batch goes out alone.
        let frames = try writes(machine.enqueue(message(big), token: 2, now: start).actions)
        #expect(frames.count == 1)
        #expect(try frames[0].entry?.metadata().numMessagesInBatch == 1)
    }

    @Test func batchesByDelay() throws {
        var machine = machine { $0.batchingMaxPublishDelay = .milliseconds(10) }
        _ = machine.enqueue(message("a"), token: 1, now: start)
        #expect(machine.tick(now: start + .milliseconds(9)) == [])
        #expect(try writes(machine.tick(now: start + .milliseconds(10))).count == 1)
        #expect(machine.tick(now: start + .milliseconds(20)) == [])
    }

    @Test func withoutBatchingEachMessageIsOneEntryInSequence() throws {
        var machine = machine { $0.batchingEnabled = false }
        var sequenceIds: [UInt64] = []
        for index in 0..<3 {
            let frames = try writes(machine.enqueue(message("m\(index)"), token: index, now: start).actions)
            guard case .send(let send)? = frames.first?.command else { Issue.record("no SEND"); return }
            sequenceIds.append(send.sequenceId)
            #expect(try frames[0].entry?.metadata().hasNumMessagesInBatch == false)
        }
        #expect(sequenceIds == [0, 1, 2])
    }

    @Test func receiptsAreMatchedStrictlyInOrder() {
        var machine = machine { $0.batchingEnabled = false }
        for index in 0..<2 { _ = machine.enqueue(message("m\(index)"), token: index, now: start) }
        let actions = machine.receiptReceived(receipt(1), now: start)
        guard case .closeConnection(let error)? = actions.first else { Issue.record("\(actions)"); return }
        #expect(error.code == .protocolError)
        #expect(machine.receiptReceived(receipt(0), now: start).count == 1)
        #expect(machine.receiptReceived(receipt(0), now: start) == [], "a duplicate receipt is ignored")
        #expect(machine.pendingEntryCount == 1)
    }

    @Test func afterAReconnectEverythingUnacknowledgedIsResentInOrder() throws {
        var machine = machine { $0.batchingEnabled = false }
        var sent: [[UInt8]] = []
        for index in 0..<3 {
            for case .write(let bytes) in machine.enqueue(message("m\(index)"), token: index, now: start).actions { sent.append(bytes) }
        }
        _ = machine.receiptReceived(receipt(0), now: start)
        machine.connectionLost()
        #expect(machine.enqueue(message("m3"), token: 3, now: start).actions == [], "nothing is written while disconnected")
        let resent = machine.producerCreated(name: "p", lastSequenceId: 0, maxMessageSize: 5 << 20)
        let resentFrames = try writes(resent)
        #expect(resentFrames.count == 3)
        let sequenceIds = resentFrames.compactMap { frame -> UInt64? in
            if case .send(let send) = frame.command { return send.sequenceId }
            return nil
        }
        #expect(sequenceIds == [1, 2, 3])
        #expect(Array(resent.prefix(2)) == sent.suffix(2).map { .write($0) }, "the same bytes go out again")
    }

    @Test func continuesAfterTheBrokersLastSequenceId() throws {
        var machine = Machine(configuration: .init(producerId: 7, batchingEnabled: false))
        _ = machine.producerCreated(name: "p", lastSequenceId: 41, maxMessageSize: 5 << 20)
        let frames = try writes(machine.enqueue(message("x"), token: 1, now: start).actions)
        guard case .send(let send)? = frames.first?.command else { Issue.record("no SEND"); return }
        #expect(send.sequenceId == 42)
    }

    @Test func fullQueueMakesSendersWaitInOrder() {
        var machine = machine {
            $0.batchingEnabled = false
            $0.maxPendingMessages = 2
        }
        #expect(machine.enqueue(message("a"), token: 1, now: start).outcome == .accepted)
        #expect(machine.enqueue(message("b"), token: 2, now: start).outcome == .accepted)
        #expect(machine.enqueue(message("c"), token: 3, now: start) == (.waiting, []))
        #expect(machine.enqueue(message("d"), token: 4, now: start) == (.waiting, []))
        let actions = machine.receiptReceived(receipt(0), now: start)
        #expect(actions.count == 3)
        #expect(actions[1] == .accepted(3))
        if case .write = actions[2] {} else { Issue.record("the accepted message is written: \(actions)") }
    }

    @Test func fullQueueFailsWhenNotBlocking() {
        var machine = machine {
            $0.maxPendingMessages = 1
            $0.blockIfQueueFull = false
        }
        _ = machine.enqueue(message("a"), token: 1, now: start)
        guard case .rejected(let error) = machine.enqueue(message("b"), token: 2, now: start).outcome else {
            Issue.record("not rejected")
            return
        }
        #expect(error.code == .producerQueueFull)
    }

    @Test func sendTimeoutFailsTheOldestEntries() {
        var machine = machine {
            $0.batchingEnabled = false
            $0.sendTimeout = .seconds(30)
        }
        _ = machine.enqueue(message("a"), token: 1, now: start)
        _ = machine.enqueue(message("b"), token: 2, now: start + .seconds(10))
        #expect(machine.tick(now: start + .seconds(29)) == [])
        let actions = machine.tick(now: start + .seconds(30))
        guard case .fail([1], let error)? = actions.first else { Issue.record("\(actions)"); return }
        #expect(error.code == .timeout)
        #expect(machine.receiptReceived(receipt(0), now: start) == [], "the late receipt of a failed entry is ignored")
        #expect(machine.receiptReceived(receipt(1), now: start).count == 1)
    }

    @Test func sendErrorsFailOrReconnect() {
        var machine = machine { $0.batchingEnabled = false }
        _ = machine.enqueue(message("a"), token: 1, now: start)
        _ = machine.enqueue(message("b"), token: 2, now: start)
        let refused = machine.sendErrorReceived(CommandSendError(producerId: 7, sequenceId: 0, error: .notAllowedError,
                                                                 message: "too big"), now: start)
        #expect(refused == [.fail([1], .server(.notAllowedError, "too big"))])
        let transient = machine.sendErrorReceived(CommandSendError(producerId: 7, sequenceId: 1, error: .persistenceError,
                                                                   message: "disk"), now: start)
        #expect(transient == [.closeConnection(.server(.persistenceError, "disk"))])
        let terminated = machine.sendErrorReceived(CommandSendError(producerId: 7, sequenceId: 1, error: .topicTerminatedError,
                                                                    message: "done"), now: start)
        #expect(terminated == [.fail([2], .server(.topicTerminatedError, "done"))])
        #expect(machine.state == .closed(.server(.topicTerminatedError, "done")))
    }

    @Test func flushWaitsForEverythingEnqueuedBefore() throws {
        var machine = machine()
        #expect(machine.flush(token: 100) == [.flushed(100)], "nothing pending: flushed at once")
        _ = machine.enqueue(message("a"), token: 1, now: start)
        let actions = machine.flush(token: 101)
        #expect(try writes(actions).count == 1, "flush sends the open batch")
        #expect(!actions.contains(.flushed(101)))
        #expect(machine.receiptReceived(receipt(0), now: start).last == .flushed(101))
    }

    @Test func delayedMessagesTravelAloneWithTheirDeliveryTime() throws {
        var machine = machine()
        _ = machine.enqueue(message("batched"), token: 1, now: start)
        let actions = machine.enqueue(message("later", SendOptions(deliverAfter: .seconds(2))), token: 2, now: start).actions
        let frames = try writes(actions)
        #expect(frames.count == 2, "the open batch goes first, then the delayed message alone")
        let delayed = try #require(frames[1].entry).metadata()
        #expect(!delayed.hasNumMessagesInBatch)
        #expect(delayed.deliverAtTime == 1_700_000_002_000)
    }

    @Test(arguments: [PayloadCompression.Codec.lz4, .zlib, .zstd, .snappy])
    func compressesBatches(codec: PayloadCompression.Codec) throws {
        var machine = machine {
            $0.compression = codec
            $0.batchingMaxMessages = 2
        }
        let text = String(repeating: "compressible ", count: 20)
        _ = machine.enqueue(message(text), token: 1, now: start)
        let entry = try #require(try writes(machine.enqueue(message(text), token: 2, now: start).actions).first?.entry)
        let metadata = try entry.metadata()
        #expect(metadata.compression.rawValue == codec.rawValue)
        let plain = try PayloadCompression.decompress(entry.payload, codec: codec, uncompressedSize: Int(metadata.uncompressedSize))
        #expect(try BatchCodec.decode(plain[...], count: 2).map(\.payload.count) == [text.utf8.count, text.utf8.count])
        #expect(entry.payload.count < plain.count)
    }

    @Test func tooLargeMessagesAreRefused() {
        var machine = Machine(configuration: .init(producerId: 1))
        _ = machine.producerCreated(name: "p", lastSequenceId: -1, maxMessageSize: 10)
        guard case .rejected(let error) = machine.enqueue(message("more than ten bytes"), token: 1, now: start).outcome else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == .messageTooLarge)
    }

    @Test func closingFailsEverythingLeft() {
        var machine = machine {
            $0.batchingEnabled = false
            $0.maxPendingMessages = 1
        }
        _ = machine.enqueue(message("a"), token: 1, now: start)
        _ = machine.enqueue(message("b"), token: 2, now: start)
        let error = PulsarClientError(.alreadyClosed, "closed")
        #expect(machine.closed(error) == [.fail([1, 2], error)])
        #expect(machine.enqueue(message("c"), token: 3, now: start).outcome == .rejected(error))
    }
}
