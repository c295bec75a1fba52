import PulsarWire

extension ConsumerStateMachine {
    /// The application negatively acknowledges a message: its entry is redelivered after the nack delay (or, past
    /// the redelivery limit, sent to the dead-letter topic).
    mutating func negativeAcknowledge(_ id: MessageID, source: Int, now: PulsarInstant) -> [Action] {
        let key = SourceEntry(source: source, entry: id.entry)
        guard closedError == nil, var record = outstanding[key], !record.deadLettering else { return [] }
        let deadline = now + configuration.nackRedeliveryDelay
        record.nackDeadline = min(record.nackDeadline ?? deadline, deadline)
        record.ackDeadline = nil
        outstanding[key] = record
        noteRedelivery(at: deadline)
        return configuration.nackRedeliveryDelay == .zero ? redeliverDue(now: now) : []
    }

    /// Time passed: grouped acknowledgements that waited long enough are sent; negatively acknowledged and timed-out
    /// entries are redelivered (or dead-lettered).
    mutating func tick(now: PulsarInstant) -> [Action] {
        guard closedError == nil else { return [] }
        var actions: [Action] = []
        for source in sources.indices {
            if let first = sources[source].firstPendingAckAt, now - first >= configuration.ackGroupingInterval {
                actions += flushAcknowledgements(source: source)
            }
        }
        actions += redeliverDue(now: now)
        return actions
    }

    private mutating func redeliverDue(now: PulsarInstant) -> [Action] {
        let due = outstanding.filter { key, record in
            guard !record.deadLettering, sources[key.source].connected else { return false }
            return (record.nackDeadline.map { $0 <= now } ?? false) || (record.ackDeadline.map { $0 <= now } ?? false)
        }.keys.sorted { ($0.source, $0.entry) < ($1.source, $1.entry) }
        defer { recomputeEarliestRedelivery() }
        guard !due.isEmpty else { return [] }
        var actions: [Action] = []
        var dead: [Message] = []
        var bySource: [Int: [MessageIdData]] = [:]
        for key in due {
            guard var record = outstanding[key] else { continue }
            if let limit = configuration.maxRedeliverCount, Int(record.redeliveryCount) >= limit, !record.messages.isEmpty {
                record.deadLettering = true
                record.nackDeadline = nil
                record.ackDeadline = nil
                outstanding[key] = record
                dead += record.messages.filter { !record.isBatch || Self.isSet(record.remaining, Int($0.messageID.batchIndex)) }
                continue
            }
            forgetForRedelivery(key)
            bySource[key.source, default: []].append(key.entry.data)
        }
        if !dead.isEmpty { actions.append(.deadLetter(dead)) }
        for source in bySource.keys.sorted() {
            if isShared {
                actions.append(.redeliver(source: source, ids: bySource[source]!))
            } else {
                // Exclusive and Failover: the broker rewinds and resends everything unacknowledged, whatever the ids.
                actions += redeliverEverything(source: source)
            }
        }
        return actions
    }

    /// The application asks for every unacknowledged message again (all sources).
    mutating func redeliverAllUnacknowledged() -> [Action] {
        guard closedError == nil else { return [] }
        var actions: [Action] = []
        for source in sources.indices where sources[source].connected {
            if isShared {
                let ids = outstanding.keys.filter { $0.source == source && outstanding[$0]!.held && !outstanding[$0]!.deadLettering }
                    .map(\.entry).sorted()
                for entry in ids { forgetForRedelivery(SourceEntry(source: source, entry: entry)) }
                if !ids.isEmpty { actions.append(.redeliver(source: source, ids: ids.map(\.data))) }
            } else {
                actions += redeliverEverything(source: source)
            }
        }
        return actions
    }

    /// REDELIVER with no ids: the queue is cleared (the broker sends it all again) and its permits given back.
    private mutating func redeliverEverything(source: Int) -> [Action] {
        let before = queue.count
        queue.removeAll { $0.source == source }
        sources[source].consumedSinceFlow += before - queue.count
        for key in outstanding.keys where key.source == source && outstanding[key]!.held && !outstanding[key]!.deadLettering {
            forgetForRedelivery(key)
        }
        var actions: [Action] = [.redeliver(source: source, ids: [])]
        let consumed = sources[source].consumedSinceFlow
        if consumed > 0, consumed >= max(1, configuration.receiverQueueSize / 2) {
            sources[source].consumedSinceFlow = 0
            actions.append(.flow(source: source, permits: UInt32(consumed)))
        }
        return actions
    }

    /// The entry is asked for again: the application no longer holds it. A batch keeps which of its indexes were
    /// acknowledged, so that those are not handed out a second time when the broker resends the whole entry.
    private mutating func forgetForRedelivery(_ key: SourceEntry) {
        guard var record = outstanding[key], record.isBatch else {
            outstanding[key] = nil
            return
        }
        record.ackDeadline = nil
        record.nackDeadline = nil
        record.messages = []
        record.held = false
        outstanding[key] = record
    }

    /// A SEEK on `source` succeeded: what was queued or held is from the old position and is forgotten. A reader's
    /// source restarts at `readerStart` (inclusive).
    mutating func seekCompleted(source: Int, readerStart: MessageID?) {
        queue.removeAll { $0.source == source }
        outstanding = outstanding.filter { $0.key.source != source }
        brokerAckSets = brokerAckSets.filter { $0.key.source != source }
        sources[source].pendingAcks = []
        sources[source].pendingCumulative = nil
        sources[source].firstPendingAckAt = nil
        sources[source].lastDequeued = nil
        if let readerStart {
            sources[source].startMessageID = readerStart
            sources[source].startInclusive = true
        }
    }

    /// Where a reader's source (re)subscribes: after the last message it handed out, else at its start position.
    mutating func startPositionForSubscribe(source: Int) -> MessageID? {
        guard let last = sources[source].lastDequeued else { return sources[source].startMessageID }
        sources[source].startMessageID = last
        sources[source].startInclusive = false
        return last
    }

    /// Publishing to the dead-letter topic failed: the messages go back to normal redelivery after the nack delay.
    mutating func deadLetterFailed(_ messages: [Message], now: PulsarInstant) {
        for message in messages {
            let key = SourceEntry(source: message.source, entry: message.messageID.entry)
            guard var record = outstanding[key], record.deadLettering else { continue }
            record.deadLettering = false
            record.messages = []
            record.nackDeadline = now + configuration.nackRedeliveryDelay
            outstanding[key] = record
            noteRedelivery(at: now + configuration.nackRedeliveryDelay)
        }
    }

    /// The next instant ``tick(now:)`` has something to do: grouped acknowledgements of a connected source that have
    /// waited the grouping interval, or a nack or ack-timeout redelivery. Nil when nothing waits (an idle consumer
    /// needs no timer). A deadline of a disconnected source counts again once it reconnects.
    var nextDeadline: PulsarInstant? {
        guard closedError == nil else { return nil }
        var next = earliestRedelivery
        for source in sources where source.connected {
            guard let first = source.firstPendingAckAt else { continue }
            let due = first + configuration.ackGroupingInterval
            next = min(next ?? due, due)
        }
        return next
    }

    /// A redelivery deadline was set.
    mutating func noteRedelivery(at deadline: PulsarInstant) {
        earliestRedelivery = min(earliestRedelivery ?? deadline, deadline)
    }

    /// The exact earliest redelivery deadline of connected sources (after redeliveries ran or a source reconnected).
    mutating func recomputeEarliestRedelivery() {
        var earliest: PulsarInstant?
        for (key, record) in outstanding where !record.deadLettering && sources[key.source].connected {
            for deadline in [record.nackDeadline, record.ackDeadline].compactMap({ $0 }) {
                earliest = min(earliest ?? deadline, deadline)
            }
        }
        earliestRedelivery = earliest
    }
}
