import PulsarWire

/// One producer (one topic or partition) as a plain value: the pending queue in sequence order, batching by count,
/// bytes and delay, receipts matched strictly in order, the bounded queue, send timeouts, and resending everything
/// unacknowledged, in order, after a reconnect. Events in, actions out; time is passed in.
///
/// ```
///  enqueue ──▶ [open batch] ──full / delay / flush──▶ pending: [entry seq 0][entry seq 3][entry seq 5] …
///                                                        ▲ receipts pop the head, in order only
///  reconnect: producerCreated ──▶ write every pending entry again, oldest first
/// ```
/// `Token` identifies a waiting caller (a continuation in the driver, a number in tests).
struct ProducerStateMachine<Token: Equatable> {
    /// Settings.
    struct Configuration: Equatable {
        var producerId: UInt64
        var partition: Int32 = -1
        var batchingEnabled = true
        var batchingMaxMessages = 1000
        var batchingMaxBytes = 128 * 1024
        var batchingMaxPublishDelay: Duration = .milliseconds(10)
        var compression: PayloadCompression.Codec = .none
        var sendTimeout: Duration? = .seconds(30)
        var maxPendingMessages = 1000
        var blockIfQueueFull = true
        var maxMessageSize = FrameDecoder.defaultMaxMessageSize
        var initialSequenceId: UInt64?
    }

    /// A message that was stored, with its id.
    struct Completion: Equatable {
        var token: Token
        var messageID: MessageID
    }

    /// What happened to a message handed to ``enqueue(_:token:now:)``.
    enum EnqueueOutcome: Equatable {
        /// In the queue (its completion comes later as ``Action/succeed(_:)`` or ``Action/fail(_:_:)``).
        case accepted
        /// The queue is full: ``Action/accepted(_:)`` follows when there is room.
        case waiting
        /// Refused at once.
        case rejected(PulsarClientError)
    }

    /// What the driver must do.
    enum Action: Equatable {
        /// Write this SEND frame on the producer's connection.
        case write([UInt8])
        /// A waiting message got room in the queue.
        case accepted(Token)
        /// Messages the broker stored.
        case succeed([Completion])
        /// Messages (or flushes) that failed.
        case fail([Token], PulsarClientError)
        /// Everything enqueued before this flush is settled.
        case flushed(Token)
        /// The broker broke the protocol (a receipt out of order) or asked for a resend: drop the connection, which
        /// reconnects and resends.
        case closeConnection(PulsarClientError)
    }

    /// The producer's phase.
    enum State: Equatable {
        case connecting
        case ready
        case closed(PulsarClientError)
    }

    private struct PendingEntry {
        var sequenceId: UInt64
        var tokens: [Token]
        var isBatch: Bool
        var frame: [UInt8]
        var enqueuedAt: PulsarInstant
    }

    private struct Waiting {
        var message: OutgoingMessage
        var token: Token
    }

    private(set) var configuration: Configuration
    private(set) var state: State = .connecting
    private(set) var producerName: String?
    private var pending = Deque<PendingEntry>()
    private var batch = ProducerBatch()
    private var batchTokens: [Token] = []
    private var batchStartedAt: PulsarInstant?
    private var waiting = Deque<Waiting>()
    private var flushWaiters: [(sequenceId: UInt64, token: Token)] = []
    private var nextSequenceId: UInt64
    private var hasEnqueued = false
    /// Messages in the open batch and in pending entries (what `maxPendingMessages` bounds).
    private(set) var queuedMessageCount = 0

    /// A producer that is not connected yet.
    init(configuration: Configuration) {
        self.configuration = configuration
        nextSequenceId = configuration.initialSequenceId ?? 0
    }

    /// Entries sent (or waiting to be sent) and not yet acknowledged.
    var pendingEntryCount: Int { pending.count }

    // MARK: Connection

    /// PRODUCER_SUCCESS: the producer exists on its (new) connection. Everything unacknowledged is written again, in
    /// order; a producer that has not sent anything yet continues after the broker's last sequence id.
    mutating func producerCreated(name: String, lastSequenceId: Int64, maxMessageSize: Int) -> [Action] {
        if case .closed = state { return [] }
        producerName = name
        configuration.maxMessageSize = maxMessageSize
        if !hasEnqueued, configuration.initialSequenceId == nil, lastSequenceId >= 0 {
            nextSequenceId = max(nextSequenceId, UInt64(lastSequenceId) + 1)
        }
        state = .ready
        return pending.elements.map { .write($0.frame) }
    }

    /// The connection is gone (or the broker closed the producer): keep everything, wait for ``producerCreated``.
    mutating func connectionLost() {
        if state == .ready { state = .connecting }
    }

    // MARK: Sending

    /// The application sends a message.
    mutating func enqueue(_ message: OutgoingMessage, token: Token,
                          now: PulsarInstant) -> (outcome: EnqueueOutcome, actions: [Action]) {
        if case .closed(let error) = state { return (.rejected(error), []) }
        guard producerName != nil else {
            return (.rejected(PulsarClientError(.connectionClosed, "the producer is not created yet")), [])
        }
        if message.payload.count > configuration.maxMessageSize {
            return (.rejected(PulsarClientError(
                .messageTooLarge, "message of \(message.payload.count) bytes exceeds the broker's limit of \(configuration.maxMessageSize)")), [])
        }
        if queuedMessageCount >= configuration.maxPendingMessages || !waiting.isEmpty {
            guard configuration.blockIfQueueFull else {
                return (.rejected(PulsarClientError(
                    .producerQueueFull, "\(queuedMessageCount) messages are pending (maxPendingMessages)")), [])
            }
            waiting.append(Waiting(message: message, token: token))
            return (.waiting, [])
        }
        var actions: [Action] = []
        admit(message, token: token, now: now, into: &actions)
        return (.accepted, actions)
    }

    private mutating func admit(_ message: OutgoingMessage, token: Token, now: PulsarInstant,
                                into actions: inout [Action]) {
        hasEnqueued = true
        let sequenceId: UInt64
        if let explicit = message.options.sequenceId {
            sequenceId = explicit
            nextSequenceId = max(nextSequenceId, explicit &+ 1)
        } else {
            sequenceId = nextSequenceId
            nextSequenceId &+= 1
        }
        queuedMessageCount += 1
        guard configuration.batchingEnabled, message.deliverAt == nil else {
            closeBatch(into: &actions)
            do {
                let frame = try MessageEncoder.single(
                    message, sequenceId: sequenceId, producerName: producerName ?? "", producerId: configuration.producerId,
                    compression: configuration.compression, maxMessageSize: configuration.maxMessageSize)
                append(PendingEntry(sequenceId: sequenceId, tokens: [token], isBatch: false, frame: frame, enqueuedAt: now),
                       into: &actions)
            } catch {
                queuedMessageCount -= 1
                actions.append(.fail([token], error as? PulsarClientError ?? PulsarClientError(.messageTooLarge, "\(error)")))
            }
            return
        }
        if !batch.isEmpty, batch.byteCount + message.payload.count > configuration.batchingMaxBytes {
            closeBatch(into: &actions)
        }
        if batch.isEmpty { batchStartedAt = now }
        batch.add(message, sequenceId: sequenceId)
        batchTokens.append(token)
        if batch.count >= configuration.batchingMaxMessages || batch.byteCount >= configuration.batchingMaxBytes {
            closeBatch(into: &actions)
        }
    }

    /// Turns the open batch into a pending entry (written at once when ready).
    private mutating func closeBatch(into actions: inout [Action]) {
        guard !batch.isEmpty, let startedAt = batchStartedAt else { return }
        let tokens = batchTokens
        let sequenceId = batch.firstSequenceId
        let result = Result {
            try batch.encode(producerName: producerName ?? "", producerId: configuration.producerId,
                             compression: configuration.compression, maxMessageSize: configuration.maxMessageSize)
        }
        batch = ProducerBatch()
        batchTokens = []
        batchStartedAt = nil
        switch result {
        case .success(let frame):
            append(PendingEntry(sequenceId: sequenceId, tokens: tokens, isBatch: true, frame: frame, enqueuedAt: startedAt),
                   into: &actions)
        case .failure(let error):
            queuedMessageCount -= tokens.count
            actions.append(.fail(tokens, error as? PulsarClientError ?? PulsarClientError(.messageTooLarge, "\(error)")))
        }
    }

    private mutating func append(_ entry: PendingEntry, into actions: inout [Action]) {
        if state == .ready { actions.append(.write(entry.frame)) }
        pending.append(entry)
    }

    /// Sends the open batch now, without waiting for it to fill (a synchronous send, like the Go client's).
    mutating func sendBatchNow() -> [Action] {
        var actions: [Action] = []
        if case .closed = state { return actions }
        closeBatch(into: &actions)
        return actions
    }

    /// The application asks that everything enqueued so far be sent and settled; ``Action/flushed(_:)`` follows.
    mutating func flush(token: Token) -> [Action] {
        if case .closed(let error) = state { return [.fail([token], error)] }
        var actions: [Action] = []
        closeBatch(into: &actions)
        if let last = waiting.last {
            // Messages still waiting for room are part of what must be flushed.
            flushWaiters.append((last.message.options.sequenceId ?? UInt64.max, token))
        } else if let last = pending.last {
            flushWaiters.append((last.sequenceId, token))
        } else {
            actions.append(.flushed(token))
        }
        return actions
    }

    // MARK: Broker answers

    /// SEND_RECEIPT: must name the oldest pending entry. An older sequence id is a late duplicate (ignored); a newer
    /// one means the broker lost or reordered entries, so the connection is dropped and everything resent.
    mutating func receiptReceived(_ receipt: CommandSendReceipt, now: PulsarInstant) -> [Action] {
        guard state == .ready, let head = pending.first, receipt.sequenceId >= head.sequenceId else { return [] }
        guard receipt.sequenceId == head.sequenceId else {
            return [.closeConnection(PulsarClientError(
                .protocolError, "receipt for sequence id \(receipt.sequenceId) while expecting \(head.sequenceId)"))]
        }
        _ = pending.popFirst()
        queuedMessageCount -= head.tokens.count
        let ledger = receipt.messageId.map { Int64(bitPattern: $0.ledgerId) } ?? -1
        let entry = receipt.messageId.map { Int64(bitPattern: $0.entryId) } ?? -1
        let size = Int32(head.tokens.count)
        var completions: [Completion] = []
        completions.reserveCapacity(head.tokens.count)
        for (index, token) in head.tokens.enumerated() {
            let id = MessageID(ledgerId: ledger, entryId: entry, partition: configuration.partition,
                               batchIndex: head.isBatch ? Int32(index) : -1, batchSize: head.isBatch ? size : 0)
            completions.append(Completion(token: token, messageID: id))
        }
        var actions: [Action] = [.succeed(completions)]
        admitWaiting(now: now, into: &actions)
        resolveFlushes(into: &actions)
        return actions
    }

    /// SEND_ERROR: TopicTerminated closes the producer; NotAllowed fails that entry; anything else (checksum,
    /// persistence, throttling) is transient, so the connection is dropped and the entry resent, like the Go client.
    mutating func sendErrorReceived(_ error: CommandSendError, now: PulsarInstant) -> [Action] {
        guard state == .ready, let head = pending.first, head.sequenceId == error.sequenceId else { return [] }
        let failure = PulsarClientError.server(error.error, error.message)
        switch error.error {
        case .topicTerminatedError:
            return closed(failure)
        case .notAllowedError:
            _ = pending.popFirst()
            queuedMessageCount -= head.tokens.count
            var actions: [Action] = [.fail(head.tokens, failure)]
            admitWaiting(now: now, into: &actions)
            resolveFlushes(into: &actions)
            return actions
        default:
            return [.closeConnection(failure)]
        }
    }

    private mutating func admitWaiting(now: PulsarInstant, into actions: inout [Action]) {
        while queuedMessageCount < configuration.maxPendingMessages, let next = waiting.popFirst() {
            actions.append(.accepted(next.token))
            admit(next.message, token: next.token, now: now, into: &actions)
        }
    }

    private mutating func resolveFlushes(into actions: inout [Action]) {
        guard !flushWaiters.isEmpty, waiting.isEmpty else { return }
        let oldest = pending.first?.sequenceId
        flushWaiters.removeAll { waiter in
            guard oldest.map({ $0 > waiter.sequenceId }) ?? true else { return false }
            actions.append(.flushed(waiter.token))
            return true
        }
    }

    // MARK: Time and closing

    /// Time passed: closes a batch older than the publish delay; fails entries older than the send timeout
    /// (oldest first; the broker's late receipts for them are then ignored).
    mutating func tick(now: PulsarInstant) -> [Action] {
        var actions: [Action] = []
        if let startedAt = batchStartedAt, now - startedAt >= configuration.batchingMaxPublishDelay {
            closeBatch(into: &actions)
        }
        if let timeout = configuration.sendTimeout, timeout > .zero {
            var expired: [Token] = []
            while let head = pending.first, now - head.enqueuedAt >= timeout {
                _ = pending.popFirst()
                queuedMessageCount -= head.tokens.count
                expired += head.tokens
            }
            if !expired.isEmpty {
                actions.append(.fail(expired, PulsarClientError(.timeout, "not acknowledged by the broker within \(timeout)")))
                admitWaiting(now: now, into: &actions)
                resolveFlushes(into: &actions)
            }
        }
        return actions
    }

    /// The next instant ``tick(now:)`` has something to do: the open batch's publish delay, or the send timeout of the
    /// oldest unacknowledged entry. Nil when neither exists (an idle producer needs no timer).
    var nextDeadline: PulsarInstant? {
        var next: PulsarInstant?
        if !batch.isEmpty, let startedAt = batchStartedAt { next = startedAt + configuration.batchingMaxPublishDelay }
        if let timeout = configuration.sendTimeout, timeout > .zero, let head = pending.first {
            let expiry = head.enqueuedAt + timeout
            next = min(next ?? expiry, expiry)
        }
        return next
    }

    /// The producer is closed for good: everything still waiting fails with `error`.
    mutating func closed(_ error: PulsarClientError) -> [Action] {
        if case .closed = state { return [] }
        state = .closed(error)
        var tokens: [Token] = []
        for entry in pending.elements { tokens += entry.tokens }
        tokens += batchTokens
        tokens += waiting.elements.map(\.token)
        tokens += flushWaiters.map(\.token)
        pending.removeAll()
        waiting.removeAll()
        flushWaiters.removeAll()
        batch = ProducerBatch()
        batchTokens = []
        batchStartedAt = nil
        queuedMessageCount = 0
        return tokens.isEmpty ? [] : [.fail(tokens, error)]
    }
}
