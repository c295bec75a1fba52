import PulsarWire

/// One consumer as a plain value, over one or more *sources* (a topic, or each partition of a partitioned topic,
/// each with its own broker-side consumer): the receive queue and the callers waiting on it, FLOW permits refilled
/// at half the queue size, acknowledgement grouping, the negative-acknowledgement and ack-timeout trackers, and the
/// redelivery-count decisions that send a message to the dead-letter topic. Events in, actions out; time passed in.
///
/// ```
///  MESSAGE ─▶ filter (start id, acked batch indexes) ─▶ DLQ? ─▶ queue ─▶ waiter / poll ─▶ outstanding
///                                                                                             │ ack ─▶ grouped ACK
///  tick: ACK groups due · nack delays due · ack timeouts due ─▶ REDELIVER (Shared: ids; else all) or DLQ
/// ```
/// `Waiter` identifies a caller suspended in `receive` (a continuation in the driver, a number in tests).
struct ConsumerStateMachine<Waiter: Equatable> {
    /// Settings.
    struct Configuration: Equatable {
        var subscriptionType: SubscriptionType = .exclusive
        var receiverQueueSize = 1000
        var ackGroupingInterval: Duration = .milliseconds(100)
        var ackGroupingMaxSize = 1000
        var nackRedeliveryDelay: Duration = .seconds(60)
        var ackTimeout: Duration?
        var maxRedeliverCount: Int?
        var batchIndexAcknowledgment = false
        var sourceCount = 1
    }

    /// What the driver must do.
    enum Action: Equatable {
        /// Resume a waiting `receive` with this message.
        case deliver(Message, to: Waiter)
        /// Grant the broker this many more permits on a source.
        case flow(source: Int, permits: UInt32)
        /// Send ACK on a source.
        case acknowledge(source: Int, type: AckType, ids: [MessageIdData])
        /// Acknowledge a corrupt entry, telling the broker why it was discarded.
        case acknowledgeCorrupt(source: Int, id: MessageIdData, reason: AckValidationError)
        /// Send REDELIVER_UNACKNOWLEDGED_MESSAGES on a source (an empty list means every unacknowledged message).
        case redeliver(source: Int, ids: [MessageIdData])
        /// These messages exceeded the redelivery limit: publish them to the dead-letter topic, then acknowledge them.
        case deadLetter([Message])
        /// Fail a waiting `receive`.
        case fail(Waiter, PulsarClientError)
    }

    /// An entry (of one source) handed to the application and not yet fully acknowledged.
    struct Outstanding: Equatable {
        /// For batches: bitset words of the indexes still unacknowledged (bit set = unacknowledged).
        var remaining: [UInt64]
        var isBatch: Bool
        var redeliveryCount: UInt32
        var ackDeadline: PulsarInstant?
        var nackDeadline: PulsarInstant?
        /// Kept only when the entry may go to the dead-letter topic on its next redelivery.
        var messages: [Message] = []
        var deadLettering = false
        /// False once asked for again (a batch record then only remembers which indexes were acknowledged).
        var held = true
    }

    /// Per-source state: connection, permits, grouped acknowledgements, reader start position.
    struct Source: Equatable {
        var connected = false
        var consumedSinceFlow = 0
        var pendingAcks: [MessageIdData] = []
        var pendingCumulative: MessageIdData?
        var firstPendingAckAt: PulsarInstant?
        /// Messages before this id are dropped (readers); with `startInclusive` false the id itself too.
        var startMessageID: MessageID?
        var startInclusive = false
        /// The last message handed to the application.
        var lastDequeued: MessageID?
    }

    /// An entry of one source.
    struct SourceEntry: Hashable {
        var source: Int
        var entry: EntryKey
    }

    let configuration: Configuration
    var queue = Deque<Message>()
    var waiters = Deque<Waiter>()
    var sources: [Source]
    var outstanding: [SourceEntry: Outstanding] = [:]
    /// Partially acknowledged batches as the broker announced them, until the application takes their messages.
    var brokerAckSets: [SourceEntry: [UInt64]] = [:]
    var closedError: PulsarClientError?
    /// No nack or ack-timeout deadline of a connected source is earlier than this (a lower bound: an acknowledgement
    /// does not raise it, so the timer may wake once for nothing); recomputed whenever redeliveries are checked.
    var earliestRedelivery: PulsarInstant?

    /// A consumer with `configuration.sourceCount` sources, none connected yet.
    init(configuration: Configuration) {
        self.configuration = configuration
        sources = Array(repeating: Source(), count: max(1, configuration.sourceCount))
    }

    /// Messages waiting in the receive queue.
    var queuedCount: Int { queue.count }

    var isShared: Bool { configuration.subscriptionType == .shared || configuration.subscriptionType == .keyShared }

    // MARK: Sources

    /// Sets where a reader's source starts (messages before it are dropped; the id itself too unless inclusive).
    mutating func setStart(source: Int, at id: MessageID?, inclusive: Bool) {
        sources[source].startMessageID = id
        sources[source].startInclusive = inclusive
    }

    /// The last message handed to the application from `source`.
    func lastDequeued(source: Int) -> MessageID? { sources[source].lastDequeued }

    /// The source's consumer was created (again) on a connection: send the acknowledgements that waited, and FLOW.
    mutating func sourceConnected(_ source: Int, now: PulsarInstant) -> [Action] {
        guard closedError == nil else { return [] }
        sources[source].connected = true
        sources[source].consumedSinceFlow = 0
        recomputeEarliestRedelivery()
        var actions = flushAcknowledgements(source: source)
        actions.append(.flow(source: source, permits: UInt32(configuration.receiverQueueSize)))
        return actions
    }

    /// The source's connection is gone (or the broker closed its consumer): its queued messages are dropped, since
    /// the broker redelivers everything unacknowledged to the new consumer.
    mutating func sourceDisconnected(_ source: Int) {
        sources[source].connected = false
        queue.removeAll { $0.source == source }
        brokerAckSets = brokerAckSets.filter { $0.key.source != source }
    }

    // MARK: Incoming messages

    /// The messages of one entry arrived on `source` (a batch already unpacked). `brokerAckSet` are the broker's
    /// words of still-unacknowledged indexes for a partially acknowledged batch (empty: all unacknowledged).
    mutating func entryReceived(_ messages: [Message], source: Int, brokerAckSet: [Int64] = [],
                                now: PulsarInstant) -> [Action] {
        guard closedError == nil, sources[source].connected, !messages.isEmpty else { return [] }
        var kept: [Message] = []
        kept.reserveCapacity(messages.count)
        for message in messages where isWanted(message, source: source, brokerAckSet: brokerAckSet) {
            kept.append(message)
        }
        var actions: [Action] = []
        sources[source].consumedSinceFlow += messages.count - kept.count
        if !brokerAckSet.isEmpty, let first = kept.first, first.messageID.batchIndex >= 0 {
            brokerAckSets[SourceEntry(source: source, entry: first.messageID.entry)] = brokerAckSet.map { UInt64(bitPattern: $0) }
        }
        if let limit = configuration.maxRedeliverCount, let first = kept.first, Int(first.redeliveryCount) > limit {
            // Already past the limit (redelivered while nobody held it): straight to the dead-letter topic.
            sources[source].consumedSinceFlow += kept.count
            actions.append(.deadLetter(kept))
            track(kept, deadLettering: true)
            kept = []
        }
        for message in kept { queue.append(message) }
        deliverToWaiters(now: now, into: &actions)
        refillPermits(source: source, into: &actions)
        return actions
    }

    private func isWanted(_ message: Message, source: Int, brokerAckSet: [Int64]) -> Bool {
        let id = message.messageID
        if let start = sources[source].startMessageID, start != .earliest {
            let position = (id.ledgerId, id.entryId, id.batchIndex)
            let startPosition = (start.ledgerId, start.entryId, start.batchIndex)
            if position < startPosition || (!sources[source].startInclusive && position == startPosition) { return false }
        }
        if id.batchIndex >= 0 {
            let index = Int(id.batchIndex)
            if !brokerAckSet.isEmpty {
                let word = index / 64
                if word >= brokerAckSet.count || UInt64(bitPattern: brokerAckSet[word]) & (1 << UInt64(index % 64)) == 0 {
                    return false
                }
            }
            if let known = outstanding[SourceEntry(source: source, entry: id.entry)], known.isBatch,
               !Self.isSet(known.remaining, index) {
                return false  // acknowledged here already (a redelivered batch)
            }
        }
        return true
    }

    /// A corrupt entry arrived (bad checksum, undecodable metadata, decompression or batch failure): it is skipped,
    /// its permits are returned and the broker is told why.
    mutating func corruptEntryReceived(source: Int, entry: EntryKey, messageCount: Int,
                                       reason: AckValidationError) -> [Action] {
        guard closedError == nil, sources[source].connected else { return [] }
        sources[source].consumedSinceFlow += max(1, messageCount)
        var actions: [Action] = [.acknowledgeCorrupt(source: source, id: entry.data, reason: reason)]
        refillPermits(source: source, into: &actions)
        return actions
    }

    // MARK: Receiving

    /// The application asks for a message without waiting: the oldest queued one, if any.
    mutating func poll(now: PulsarInstant) -> (message: Message?, actions: [Action]) {
        guard closedError == nil, let message = queue.popFirst() else { return (nil, []) }
        var actions: [Action] = []
        taken(message, now: now, into: &actions)
        return (message, actions)
    }

    /// The application waits for a message: delivered at once if one is queued, else when one arrives.
    mutating func receive(_ waiter: Waiter, now: PulsarInstant) -> [Action] {
        if let error = closedError { return [.fail(waiter, error)] }
        waiters.append(waiter)
        var actions: [Action] = []
        deliverToWaiters(now: now, into: &actions)
        return actions
    }

    /// A waiting caller gave up (its task was cancelled): returns it if it was still waiting.
    mutating func cancelReceive(where matches: (Waiter) -> Bool) -> Waiter? {
        guard let waiter = waiters.elements.first(where: matches) else { return nil }
        waiters.removeAll { $0 == waiter }
        return waiter
    }

    private mutating func deliverToWaiters(now: PulsarInstant, into actions: inout [Action]) {
        while !waiters.isEmpty, let message = queue.popFirst() {
            let waiter = waiters.popFirst()!
            taken(message, now: now, into: &actions)
            actions.append(.deliver(message, to: waiter))
        }
    }

    /// Bookkeeping when the application gets a message: permits, the ack-timeout clock, the dead-letter candidate.
    private mutating func taken(_ message: Message, now: PulsarInstant, into actions: inout [Action]) {
        let source = message.source
        sources[source].consumedSinceFlow += 1
        sources[source].lastDequeued = message.messageID
        track([message], deadLettering: false, now: now)
        refillPermits(source: source, into: &actions)
    }

    /// Records messages of one entry as held by the application.
    mutating func track(_ messages: [Message], deadLettering: Bool, now: PulsarInstant? = nil) {
        guard let first = messages.first else { return }
        let key = SourceEntry(source: first.source, entry: first.messageID.entry)
        var record = outstanding[key] ?? Outstanding(
            remaining: brokerAckSets.removeValue(forKey: key) ?? Self.allSet(count: Int(first.messageID.batchSize)),
            isBatch: first.messageID.batchIndex >= 0, redeliveryCount: first.redeliveryCount)
        if !record.held {
            record.held = true
            record.redeliveryCount = max(record.redeliveryCount, first.redeliveryCount)
        }
        if record.ackDeadline == nil, let timeout = configuration.ackTimeout, let now {
            record.ackDeadline = now + timeout
            noteRedelivery(at: now + timeout)
        }
        let limit = configuration.maxRedeliverCount ?? Int.max
        if deadLettering || Int(first.redeliveryCount) >= limit { record.messages += messages }
        record.deadLettering = record.deadLettering || deadLettering
        outstanding[key] = record
    }

    private mutating func refillPermits(source: Int, into actions: inout [Action]) {
        let consumed = sources[source].consumedSinceFlow
        guard sources[source].connected, consumed > 0, consumed >= max(1, configuration.receiverQueueSize / 2) else { return }
        sources[source].consumedSinceFlow = 0
        actions.append(.flow(source: source, permits: UInt32(consumed)))
    }

    // MARK: Closing

    /// The consumer is closed: waiting callers fail; the returned actions flush acknowledgements still grouped.
    mutating func closed(_ error: PulsarClientError) -> [Action] {
        guard closedError == nil else { return [] }
        var actions: [Action] = []
        for source in sources.indices where sources[source].connected {
            actions += flushAcknowledgements(source: source)
        }
        closedError = error
        while let waiter = waiters.popFirst() { actions.append(.fail(waiter, error)) }
        queue.removeAll()
        return actions
    }

    // MARK: Bitsets

    static func allSet(count: Int) -> [UInt64] {
        guard count > 0 else { return [] }
        var words = [UInt64](repeating: UInt64.max, count: (count + 63) / 64)
        let tail = count % 64
        if tail != 0 { words[words.count - 1] = (1 << UInt64(tail)) - 1 }
        return words
    }

    static func isSet(_ words: [UInt64], _ index: Int) -> Bool {
        index / 64 < words.count && words[index / 64] & (1 << UInt64(index % 64)) != 0
    }
}
