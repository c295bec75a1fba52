import PulsarWire

extension ConsumerStateMachine {
    /// The application acknowledges one message. A batch's entry is acknowledged once every index in it was
    /// (or, with batch-index acknowledgement, each time with the set of indexes still unacknowledged).
    /// Acknowledgements are grouped: sent when ``Configuration/ackGroupingMaxSize`` wait, or by ``tick(now:)``.
    mutating func acknowledge(_ id: MessageID, source: Int, now: PulsarInstant) -> [Action] {
        guard closedError == nil else { return [] }
        let key = SourceEntry(source: source, entry: id.entry)
        var data = id.entry.data
        if id.batchIndex >= 0 {
            var record = outstanding[key]
            if record == nil, id.batchSize > 0 {
                // Acknowledged by id without having been tracked here: track the rest of its batch from now on.
                record = Outstanding(remaining: Self.allSet(count: Int(id.batchSize)), isBatch: true, redeliveryCount: 0)
            }
            if var batch = record, batch.isBatch {
                guard Self.isSet(batch.remaining, Int(id.batchIndex)) else { return [] }
                Self.clear(&batch.remaining, Int(id.batchIndex))
                if batch.remaining.contains(where: { $0 != 0 }) {
                    outstanding[key] = batch
                    guard configuration.batchIndexAcknowledgment else { return [] }
                    data.ackSet = batch.remaining.map { Int64(bitPattern: $0) }
                    return queueAcknowledgement(data, source: source, now: now)
                }
            }
        }
        outstanding[key] = nil
        return queueAcknowledgement(data, source: source, now: now)
    }

    /// The application acknowledges everything up to and including `id` on its source (not on Shared or
    /// Key_Shared subscriptions, where the broker would ignore it).
    mutating func acknowledgeCumulative(_ id: MessageID, source: Int,
                                        now: PulsarInstant) -> Result<[Action], PulsarClientError> {
        guard !isShared else {
            return .failure(PulsarClientError(.notSupported, "cumulative acknowledgement is not allowed on \(configuration.subscriptionType) subscriptions"))
        }
        guard closedError == nil else { return .success([]) }
        let entry = id.entry
        var position = entry.data
        var keepEntry = false
        if id.batchIndex >= 0 {
            let key = SourceEntry(source: source, entry: entry)
            let size = outstanding[key].map { $0.remaining.count * 64 } ?? Int(id.batchSize)
            var remaining = outstanding[key]?.remaining ?? Self.allSet(count: Int(id.batchSize))
            for index in 0...Int(id.batchIndex) where index < size { Self.clear(&remaining, index) }
            if remaining.contains(where: { $0 != 0 }) {
                keepEntry = true
                var record = outstanding[key] ?? Outstanding(remaining: remaining, isBatch: true, redeliveryCount: 0)
                record.remaining = remaining
                outstanding[key] = record
                if configuration.batchIndexAcknowledgment {
                    position.ackSet = remaining.map { Int64(bitPattern: $0) }
                } else {
                    // The entry is only partly done: acknowledge up to the one before it, the rest stays tracked here.
                    guard entry.entryId > 0 else { return .success([]) }
                    position = EntryKey(ledgerId: entry.ledgerId, entryId: entry.entryId - 1).data
                }
            }
        }
        outstanding = outstanding.filter { key, _ in
            key.source != source || key.entry > entry || (keepEntry && key.entry == entry)
        }
        if let existing = sources[source].pendingCumulative,
           (existing.ledgerId, existing.entryId) > (position.ledgerId, position.entryId) {
            return .success([])
        }
        sources[source].pendingCumulative = position
        if sources[source].firstPendingAckAt == nil { sources[source].firstPendingAckAt = now }
        return .success(flushIfDue(source: source, now: now))
    }

    private mutating func queueAcknowledgement(_ data: MessageIdData, source: Int, now: PulsarInstant) -> [Action] {
        sources[source].pendingAcks.append(data)
        if sources[source].firstPendingAckAt == nil { sources[source].firstPendingAckAt = now }
        return flushIfDue(source: source, now: now)
    }

    private mutating func flushIfDue(source: Int, now: PulsarInstant) -> [Action] {
        let state = sources[source]
        let due = configuration.ackGroupingInterval == .zero || state.pendingAcks.count >= configuration.ackGroupingMaxSize
            || (state.firstPendingAckAt.map { now - $0 >= configuration.ackGroupingInterval } ?? false)
        return due ? flushAcknowledgements(source: source) : []
    }

    /// The grouped acknowledgements of `source`, to send now (nothing while it is disconnected: they wait).
    mutating func flushAcknowledgements(source: Int) -> [Action] {
        guard sources[source].connected else { return [] }
        var actions: [Action] = []
        if !sources[source].pendingAcks.isEmpty {
            actions.append(.acknowledge(source: source, type: .individual, ids: sources[source].pendingAcks))
            sources[source].pendingAcks = []
        }
        if let cumulative = sources[source].pendingCumulative {
            actions.append(.acknowledge(source: source, type: .cumulative, ids: [cumulative]))
            sources[source].pendingCumulative = nil
        }
        sources[source].firstPendingAckAt = nil
        return actions
    }

    /// Every source's grouped acknowledgements, to send now.
    mutating func flushAllAcknowledgements() -> [Action] {
        sources.indices.flatMap { flushAcknowledgements(source: $0) }
    }

    static func clear(_ words: inout [UInt64], _ index: Int) {
        guard index / 64 < words.count else { return }
        words[index / 64] &= ~(1 << UInt64(index % 64))
    }
}
