import PulsarWire

extension BrokerState {
    /// Dispatches every subscription of a topic (after a new entry).
    mutating func dispatchAll(topic name: TopicName, now: Int64, into outputs: inout BrokerOutputs) {
        guard let topic = topics[name] else { return }
        for subscription in topic.subscriptions.keys.sorted() {
            dispatch(topic: name, subscription: subscription, now: now, into: &outputs)
        }
    }

    /// Hands entries to consumers while some have permits: redeliveries first, then new entries in order.
    ///
    /// ```
    ///  candidates: redelivery (ascending) ─┬─▶ skip acknowledged
    ///              readPosition … last ────┘   hold back delayed (Shared / Key_Shared)
    ///                                          pick consumer by subscription type ─▶ MESSAGE, permits -= batch size
    /// ```
    mutating func dispatch(topic name: TopicName, subscription subscriptionName: String, now: Int64,
                           into outputs: inout BrokerOutputs) {
        guard let topic = topics[name], topic.isPersistent, let subscription = topic.subscriptions[subscriptionName],
              !subscription.consumers.isEmpty else { return }
        subscription.cursor.skipTo(firstStored: topic.log.firstEntryId)
        if subscription.type == .keyShared { liftKeySharedReadLimits(subscription) }
        subscription.pruneAcknowledged()
        let honoursDelay = subscription.type == .shared || subscription.type == .keyShared
        var blockedHashes = Set<Int32>()
        var deferred: [Int64] = []
        var redeliveryIndex = 0
        let redeliverySnapshot = subscription.redelivery.ids
        while true {
            let id: Int64
            let fromRedelivery: Bool
            if redeliveryIndex < redeliverySnapshot.count {
                id = redeliverySnapshot[redeliveryIndex]
                redeliveryIndex += 1
                fromRedelivery = true
            } else if subscription.cursor.readPosition <= topic.log.lastEntryId {
                id = subscription.cursor.readPosition
                fromRedelivery = false
            } else {
                break
            }
            guard let entry = topic.log.entry(id), !subscription.cursor.isAcknowledged(id) else {
                if fromRedelivery { subscription.redelivery.remove(id) } else { subscription.cursor.readPosition += 1 }
                continue
            }
            if !fromRedelivery, honoursDelay, entry.deliverAt > now {
                if subscription.delayed.insert(id) {
                    timers.schedule(.delayedDelivery(name, subscription: subscriptionName, entryId: id), at: entry.deliverAt)
                }
                subscription.cursor.readPosition += 1
                continue
            }
            if subscription.pending[id] != nil {
                // Already out with a consumer (e.g. queued twice): never dispatch one entry to two consumers.
                if fromRedelivery { subscription.redelivery.remove(id) } else { subscription.cursor.readPosition += 1 }
                continue
            }
            guard let target = selectConsumer(for: entry, id: id, in: subscription, topic: name, blockedHashes: blockedHashes) else {
                if subscription.type == .keyShared, !allKeySharedConsumersBlocked(subscription) {
                    // This key's consumer is full: hold the entry (and later ones with its key) for the next round.
                    blockedHashes.insert(entry.keyHash)
                    if !fromRedelivery {
                        deferred.append(id)
                        subscription.cursor.readPosition += 1
                    }
                    if deferred.count >= 1000 { break }  // bounded look-ahead past a full consumer
                    continue
                }
                break
            }
            deliver(id, entry: entry, to: target, subscription: subscription, topic: topic, into: &outputs)
            if fromRedelivery { subscription.redelivery.remove(id) } else { subscription.cursor.readPosition += 1 }
        }
        for id in deferred { subscription.redelivery.insert(id) }
    }

    private mutating func deliver(_ id: Int64, entry: StoredEntry, to target: ConsumerKey, subscription: Subscription,
                                  topic: Topic, into outputs: inout BrokerOutputs) {
        // Like the broker's Commands.newMessage: the id carries the topic's partition index, -1 when not a partition.
        var message = CommandMessage(consumerId: target.consumerId,
                                     messageId: topic.log.messageIdData(at: id, partition: topic.partitionIndexOnWire))
        if let count = subscription.redeliveryCounts[id], count > 0 { message.redeliveryCount = count }
        if subscription.type == .exclusive || subscription.type == .failover, let epoch = consumers[target]?.epoch {
            message.consumerEpoch = epoch
        }
        if let ackSet = subscription.cursor.unacknowledgedBatchIndexes(id) { message.ackSet = ackSet }
        topic.log.withBytes(id) { bytes in outputs.send(.message(message), entry: bytes, to: target.connection) }
        let count = Int(entry.messageCount)
        subscription.pending[id] = PendingEntry(consumer: target, messageCount: entry.messageCount)
        subscription.messagesDelivered += count
        topic.messagesOut += count
        topic.bytesOut += Int(entry.location.length)
        consumers[target]?.permits -= count
        consumers[target]?.unackedMessages += count
        consumers[target]?.messagesOut += count
        consumers[target]?.bytesOut += Int(entry.location.length)
        if outputs.estimatedByteCount(for: target.connection) >= configuration.limits.maxPendingBytesPerConnection {
            pauseDispatch(to: target.connection, into: &outputs)
        }
        if let index = subscription.consumers.firstIndex(of: target) {
            subscription.roundRobin = (index + 1) % subscription.consumers.count
        }
    }

    /// Non-persistent topics: each subscription's chosen consumer gets the message if it has permits, else it is dropped.
    mutating func deliverNonPersistent(topic name: TopicName, entryId: Int64, bytes: UnsafeRawBufferPointer, messageCount: Int32,
                                       keyHash: Int32, into outputs: inout BrokerOutputs) {
        guard let topic = topics[name] else { return }
        let entry = StoredEntry(location: .init(segment: 0, offset: 0, length: UInt32(bytes.count)), messageCount: messageCount,
                                isBatch: false, publishTime: 0, deliverAt: 0, keyHash: keyHash)
        for subscriptionName in topic.subscriptions.keys.sorted() {
            guard let subscription = topic.subscriptions[subscriptionName] else { continue }
            // Like the broker, a message for a consumer that cannot take it (no permits, or its connection is not
            // writable) is dropped.
            guard let target = selectConsumer(for: entry, id: entryId, in: subscription, topic: name, blockedHashes: []) else {
                topic.messagesDropped += Int(messageCount)
                continue
            }
            // Like the broker, non-persistent messages carry the id (0, 0) and the partition index.
            let message = CommandMessage(consumerId: target.consumerId,
                                         messageId: MessageIdData(ledgerId: 0, entryId: 0, partition: topic.partitionIndexOnWire))
            outputs.send(.message(message), entry: bytes, to: target.connection)
            consumers[target]?.permits -= Int(messageCount)
            consumers[target]?.messagesOut += Int(messageCount)
            topic.messagesOut += Int(messageCount)
        }
    }

    /// Stops dispatching to `connection` until its peer has read what is queued (see ``resumeDispatch(to:now:into:)``).
    mutating func pauseDispatch(to connection: ConnectionID, into outputs: inout BrokerOutputs) {
        guard connections[connection]?.dispatchPaused == false else { return }
        connections[connection]?.dispatchPaused = true
        outputs.requestDrainNotice(connection)
    }

    /// The peer of `connection` has read enough: dispatch to its consumers again, subscription by subscription.
    mutating func resumeDispatch(to connection: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
        guard let state = connections[connection], state.dispatchPaused else { return }
        connections[connection]?.dispatchPaused = false
        var paths = Set<SubscriptionPath>()
        for consumerId in state.consumers {
            if let consumer = consumers[ConsumerKey(connection: connection, consumerId: consumerId)] {
                paths.insert(SubscriptionPath(topic: consumer.topic, subscription: consumer.subscription))
            }
        }
        for path in paths.sorted() {
            dispatch(topic: path.topic, subscription: path.subscription, now: now, into: &outputs)
        }
    }

    /// A delayed entry's time has come: it moves to the front of its subscription's queue. Returns true when it did
    /// (the subscription should then be dispatched); an entry acknowledged, skipped or re-read since is ignored.
    mutating func releaseDelayedEntry(_ id: Int64, topic name: TopicName, subscription subscriptionName: String,
                                      now: Int64) -> Bool {
        guard let topic = topics[name], let subscription = topic.subscriptions[subscriptionName],
              subscription.delayed.contains(id) else { return false }
        let deliverAt = topic.log.entry(id)?.deliverAt ?? 0
        guard deliverAt <= now else {
            timers.schedule(.delayedDelivery(name, subscription: subscriptionName, entryId: id), at: deliverAt)
            return false
        }
        subscription.delayed.remove(id)
        subscription.redelivery.insert(id)
        return true
    }
}
