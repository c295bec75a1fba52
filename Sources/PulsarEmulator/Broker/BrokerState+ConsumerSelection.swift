import PulsarWire

/// Which consumer of a subscription gets an entry, by subscription type, following the broker's dispatchers.
extension BrokerState {
    /// The consumer that gets entry `id` now, or nil if none can take it (no permits, or Key_Shared ordering holds it).
    func selectConsumer(for entry: StoredEntry, id: Int64, in subscription: Subscription, topic: TopicName,
                        blockedHashes: Set<Int32>) -> ConsumerKey? {
        switch subscription.type {
        case .exclusive, .failover:
            guard let active = activeConsumer(of: subscription, topic: topic), canReceive(active) else { return nil }
            return active
        case .keyShared:
            guard !blockedHashes.contains(entry.keyHash), let owner = keySharedOwner(hash: entry.keyHash, in: subscription),
                  let consumer = consumers[owner], canReceive(owner) else { return nil }
            if let limit = consumer.keySharedReadLimit, id >= limit { return nil }
            return owner
        default:
            return sharedConsumer(in: subscription)
        }
    }

    /// Shared: the highest-priority level (lowest number) that has consumers with permits, round robin within it.
    private func sharedConsumer(in subscription: Subscription) -> ConsumerKey? {
        let ready = subscription.consumers.filter(canReceive)
        guard let best = ready.compactMap({ consumers[$0]?.priorityLevel }).min() else { return nil }
        let count = subscription.consumers.count
        for offset in 0..<count {
            let candidate = subscription.consumers[(subscription.roundRobin + offset) % count]
            if let consumer = consumers[candidate], consumer.priorityLevel == best, canReceive(candidate) { return candidate }
        }
        return nil
    }

    /// Exclusive: the only consumer. Failover: among the highest-priority consumers sorted by name, partition `i` of a
    /// partitioned topic goes to `i % count`; a non-partitioned topic to the consistent-hash owner of the topic name.
    func activeConsumer(of subscription: Subscription, topic: TopicName) -> ConsumerKey? {
        guard subscription.type == .failover else { return subscription.consumers.first }
        let candidates = subscription.consumers.compactMap { key in consumers[key].map { (key: key, state: $0) } }
        guard let best = candidates.map(\.state.priorityLevel).min() else { return nil }
        let top = candidates.filter { $0.state.priorityLevel == best }.sorted { ($0.state.name, $0.key) < ($1.state.name, $1.key) }
        if let partition = topic.partitionIndex { return top[partition % top.count].key }
        let ring = ConsistentHashRing(top.map { (key: $0.key, name: $0.state.name) })
        return ring.select(Murmur3.pulsarHash(Array(topic.description.utf8)))
    }

    /// Failover: tells consumers (protocol ≥ 12) who is active. When the active consumer changes, everyone hears it
    /// and the old one's unacknowledged entries go to the new one; a newcomer that is not active hears it alone.
    mutating func announceActiveConsumer(topic name: TopicName, subscription subscriptionName: String, newcomer: ConsumerKey? = nil,
                                         into outputs: inout BrokerOutputs) {
        guard let topic = topics[name], let subscription = topic.subscriptions[subscriptionName],
              subscription.type == .failover else { return }
        let active = activeConsumer(of: subscription, topic: name)
        let changed = active != subscription.announcedActive
        if changed, let previous = subscription.announcedActive, consumers[previous] != nil {
            let returned = subscription.returnPending(of: previous, countAsRedelivery: false)
            consumers[previous]?.unackedMessages -= returned
        }
        subscription.announcedActive = active
        let audience = changed ? subscription.consumers : (newcomer.map { [$0] } ?? [])
        for key in audience where (connections[key.connection]?.protocolVersion ?? 0) >= 12 {
            outputs.send(.activeConsumerChange(CommandActiveConsumerChange(consumerId: key.consumerId, isActive: key == active)),
                         to: key.connection)
        }
    }

    /// Key_Shared: who owns a sticky-key hash. STICKY: the consumer whose declared ranges hold `hash % 65536`;
    /// AUTO_SPLIT: the consistent-hash ring over the consumers.
    func keySharedOwner(hash: Int32, in subscription: Subscription) -> ConsumerKey? {
        if subscription.keySharedMeta?.keySharedMode == .sticky {
            let slot = hash % 65536
            return subscription.consumers.first { key in consumers[key]?.hashRanges.contains { $0.contains(slot) } ?? false }
        }
        if let cached = subscription.hashRing, cached.consumers == subscription.consumers { return cached.ring.select(hash) }
        let ring = ConsistentHashRing(subscription.consumers.compactMap { key in consumers[key].map { (key: key, name: $0.name) } })
        subscription.hashRing = (subscription.consumers, ring)
        return ring.select(hash)
    }

    /// Key_Shared "recently joined" rule: a consumer joining while entries are out with others may only receive
    /// entries before the read position at that moment, until every entry before it is acknowledged.
    mutating func applyKeySharedJoinRule(_ key: ConsumerKey, subscription: Subscription) {
        guard subscription.type == .keyShared, !(subscription.keySharedMeta?.allowOutOfOrderDelivery ?? false),
              subscription.consumers.count > 1,
              subscription.cursor.readPosition > subscription.cursor.markDeletePosition + 2 else { return }
        consumers[key]?.keySharedReadLimit = subscription.cursor.readPosition
    }

    /// Lifts read limits once everything before them is acknowledged.
    mutating func liftKeySharedReadLimits(_ subscription: Subscription) {
        for key in subscription.consumers {
            if let limit = consumers[key]?.keySharedReadLimit, subscription.cursor.markDeletePosition >= limit - 1 {
                consumers[key]?.keySharedReadLimit = nil
            }
        }
    }

    /// True when no Key_Shared consumer can take an entry now.
    func allKeySharedConsumersBlocked(_ subscription: Subscription) -> Bool {
        !subscription.consumers.contains(where: canReceive)
    }

    /// Whether `key` can be handed an entry now: it has permits, and its connection is not paused by backpressure
    /// (a broker stops dispatching to a channel that is not writable).
    func canReceive(_ key: ConsumerKey) -> Bool {
        (consumers[key]?.permits ?? 0) > 0 && !(connections[key.connection]?.dispatchPaused ?? true)
    }

    /// STICKY Key_Shared: the ranges must be valid and must not overlap another consumer's.
    func keySharedRangeConflict(_ ranges: [IntRange], in subscription: Subscription) -> String? {
        guard !ranges.isEmpty else { return "Ranges for KeyShared policy must not be empty" }
        for range in ranges where range.start < 0 || range.end > 65535 || range.start > range.end {
            return "Fixed hash range start \(range.start) must be <= end \(range.end), within 0...65535"
        }
        for key in subscription.consumers {
            guard let other = consumers[key] else { continue }
            for theirs in other.hashRanges {
                for range in ranges where range.start <= theirs.upperBound && theirs.lowerBound <= range.end {
                    return "Range conflict with consumer \(other.name)"
                }
            }
        }
        return nil
    }
}
