import PulsarWire

extension BrokerState {
    mutating func handleSubscribe(_ request: CommandSubscribe, from id: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
        let key = ConsumerKey(connection: id, consumerId: request.consumerId)
        guard let name = parseTopic(request.topic, requestId: request.requestId, from: id, into: &outputs) else { return }
        guard authorize(.consume, name, requestId: request.requestId, from: id, into: &outputs) else { return }
        if let existing = consumers[key] {
            if existing.topic == name, existing.subscription == request.subscription {
                outputs.send(.success(CommandSuccess(requestId: request.requestId)), to: id)
            } else {
                replyError(request.requestId, .consumerBusy, "Consumer id \(request.consumerId) is already in use on this connection",
                           to: id, into: &outputs)
            }
            return
        }
        guard !request.subscription.isEmpty else {
            replyError(request.requestId, .notAllowedError, "Empty subscription name", to: id, into: &outputs)
            return
        }
        guard request.subType.isKnown else {
            replyError(request.requestId, .notAllowedError,
                       "Unknown subscription type \(request.subType.rawValue) (expected Exclusive, Shared, Failover or Key_Shared)",
                       to: id, into: &outputs)
            return
        }
        if let refusal = nameRefusal(request.subscription, kind: "Subscription")
            ?? (request.hasConsumerName ? nameRefusal(request.consumerName, kind: "Consumer") : nil) {
            replyError(request.requestId, .notAllowedError, refusal, to: id, into: &outputs)
            return
        }
        if let refusal = perConnectionRefusal("consumers", open: connections[id]?.consumers.count ?? 0,
                                              limit: configuration.limits.maxConsumersPerConnection) {
            replyError(request.requestId, .consumerBusy, refusal, to: id, into: &outputs)
            return
        }
        let topicName: TopicName
        switch resolveTopic(name, create: request.forceTopicCreation) {
        case .success(let resolved): topicName = resolved
        case .failure(let failure):
            replyError(request.requestId, failure.error, failure.message, to: id, into: &outputs)
            return
        }
        let topic = topics[topicName]!
        let subscription = topic.subscriptions[request.subscription]
            ?? makeSubscription(request, topic: topic)
        if !subscription.consumers.isEmpty {
            if let incompatible = Self.incompatibility(of: request, with: subscription) {
                replyError(request.requestId, .consumerBusy, incompatible, to: id, into: &outputs)
                return
            }
            if subscription.type == .exclusive {
                replyError(request.requestId, .consumerBusy, "Exclusive consumer is already connected", to: id, into: &outputs)
                return
            }
        } else {
            subscription.type = request.subType
            subscription.keySharedMeta = request.keySharedMeta
        }
        if case .failure(let failure) = registerSchema(request.schema, for: topicName) {
            replyError(request.requestId, failure.error, failure.message, to: id, into: &outputs)
            return
        }
        if request.subType == .keyShared, request.keySharedMeta?.keySharedMode == .sticky,
           let conflict = keySharedRangeConflict(request.keySharedMeta?.hashRanges ?? [], in: subscription) {
            replyError(request.requestId, .consumerAssignError, conflict, to: id, into: &outputs)
            return
        }
        let consumer = ConsumerState(
            key: key, topic: topicName, subscription: request.subscription,
            name: request.hasConsumerName && !request.consumerName.isEmpty ? request.consumerName : makeName(prefix: "consumer"),
            priorityLevel: request.priorityLevel,
            hashRanges: (request.keySharedMeta?.hashRanges ?? []).map { $0.start...$0.end },
            epoch: request.hasConsumerEpoch ? request.consumerEpoch : nil, connectedSince: now)
        consumers[key] = consumer
        connections[id]?.consumers.insert(request.consumerId)
        subscription.consumers.append(key)
        topic.subscriptions[request.subscription] = subscription
        applyKeySharedJoinRule(key, subscription: subscription)
        outputs.send(.success(CommandSuccess(requestId: request.requestId)), to: id)
        announceActiveConsumer(topic: topicName, subscription: request.subscription, newcomer: key, into: &outputs)
    }

    /// A new subscription positioned per the request: durable ones by initial position, readers at their start id.
    private func makeSubscription(_ request: CommandSubscribe, topic: Topic) -> Subscription {
        let log = topic.log
        let start: Int64
        if request.durable {
            start = request.initialPosition == .earliest ? log.firstEntryId : log.nextEntryId
        } else if let id = request.startMessageId {
            start = readerStart(id, log: log)
        } else {
            start = log.nextEntryId
        }
        let subscription = Subscription(name: request.subscription, type: request.subType, isDurable: request.durable, start: start)
        subscription.properties = request.subscriptionProperties
        return subscription
    }

    /// Why a consumer cannot join a subscription that has consumers, as the broker's
    /// `checkForConsumerCompatibilityErrorWithDispatcher` words it (SubscriptionBusyException, sent as ConsumerBusy):
    /// another type, or for Key_Shared another mode or another `allowOutOfOrderDelivery`.
    static func incompatibility(of request: CommandSubscribe, with subscription: Subscription) -> String? {
        func typeName(_ type: SubscriptionType) -> String { type.name ?? "\(type.rawValue)" }
        if subscription.type != request.subType {
            return "Subscription is of different type. Active subscription type of '\(typeName(subscription.type))' is "
                + "different than the connecting consumer's type '\(typeName(request.subType))'."
        }
        guard subscription.type == .keyShared else { return nil }
        let active = subscription.keySharedMeta ?? KeySharedMeta(keySharedMode: .autoSplit)
        let joining = request.keySharedMeta ?? KeySharedMeta(keySharedMode: .autoSplit)
        if active.keySharedMode != joining.keySharedMode {
            return "Subscription is of different type. Active subscription key_shared mode of "
                + "'\(active.keySharedMode.name ?? "?")' is different than the connecting consumer's key_shared mode "
                + "'\(joining.keySharedMode.name ?? "?")'."
        }
        if active.allowOutOfOrderDelivery != joining.allowOutOfOrderDelivery {
            return "Subscription is of different type. " + (active.allowOutOfOrderDelivery
                ? "Active subscription allows out of order delivery while the connecting consumer does not allow it."
                : "Active subscription does not allow out of order delivery while the connecting consumer allows it.")
        }
        return nil
    }

    /// The first entry a non-durable cursor reads for a start id. The broker wraps every start id as a batch id, so
    /// the cursor's mark-delete position is the entry before it and the entry itself is read first (the client drops
    /// what it does not want: batch members before a batch index, the start message when not inclusive).
    /// Earliest (-1, -1) reads from the first stored entry; latest, or anything past the last entry, reads new
    /// entries only.
    func readerStart(_ id: MessageIdData, log: TopicLog) -> Int64 {
        // Ids compare as signed (ledger, entry): earliest is (-1, -1), latest (Int64.max, Int64.max).
        log.position(nearest: id.ledgerId, entryId: id.entryId)
    }

    mutating func handleFlow(_ flow: CommandFlow, from id: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
        let key = ConsumerKey(connection: id, consumerId: flow.consumerId)
        guard var consumer = consumers[key] else { return }
        consumer.permits += Int(flow.messagePermits)
        consumers[key] = consumer
        dispatch(topic: consumer.topic, subscription: consumer.subscription, now: now, into: &outputs)
    }

    mutating func handleCloseConsumer(_ request: CommandCloseConsumer, from id: ConnectionID, now: Int64,
                                      into outputs: inout BrokerOutputs) {
        removeConsumer(ConsumerKey(connection: id, consumerId: request.consumerId), now: now, into: &outputs)
        outputs.send(.success(CommandSuccess(requestId: request.requestId)), to: id)
    }

    /// Detaches a consumer; its unacknowledged entries go back to the subscription for redelivery.
    mutating func removeConsumer(_ key: ConsumerKey, now: Int64, into outputs: inout BrokerOutputs) {
        guard let consumer = consumers.removeValue(forKey: key) else { return }
        connections[key.connection]?.consumers.remove(key.consumerId)
        guard let topic = topics[consumer.topic], let subscription = topic.subscriptions[consumer.subscription] else { return }
        subscription.consumers.removeAll { $0 == key }
        _ = subscription.returnPending(of: key, countAsRedelivery: false)
        if subscription.consumers.isEmpty, subscription.type == .shared || subscription.type == .keyShared {
            // The broker's multi-consumer dispatcher clears its redelivery tracker when its last consumer leaves.
            subscription.redeliveryCounts.removeAll()
        }
        if subscription.consumers.isEmpty, !subscription.isDurable {
            topic.subscriptions[consumer.subscription] = nil
        }
        announceActiveConsumer(topic: consumer.topic, subscription: consumer.subscription, into: &outputs)
        dispatch(topic: consumer.topic, subscription: consumer.subscription, now: now, into: &outputs)
    }

    mutating func handleUnsubscribe(_ request: CommandUnsubscribe, from id: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
        let key = ConsumerKey(connection: id, consumerId: request.consumerId)
        guard let consumer = consumers[key], let topic = topics[consumer.topic],
              let subscription = topic.subscriptions[consumer.subscription] else {
            replyError(request.requestId, .metadataError, "Consumer not found", to: id, into: &outputs)
            return
        }
        let others = subscription.consumers.filter { $0 != key }
        if !others.isEmpty, !request.force {
            replyError(request.requestId, .metadataError, "Unconnected or shared consumer attempting to unsubscribe",
                       to: id, into: &outputs)
            return
        }
        for other in others {
            outputs.send(.closeConsumer(CommandCloseConsumer(consumerId: other.consumerId, requestId: UInt64.max)), to: other.connection)
            consumers[other] = nil
            connections[other.connection]?.consumers.remove(other.consumerId)
        }
        consumers[key] = nil
        connections[id]?.consumers.remove(request.consumerId)
        topic.subscriptions[consumer.subscription] = nil
        trimLog(topic: consumer.topic)
        outputs.send(.success(CommandSuccess(requestId: request.requestId)), to: id)
    }

    mutating func handleGetLastMessageId(_ request: CommandGetLastMessageId, from id: ConnectionID, into outputs: inout BrokerOutputs) {
        let key = ConsumerKey(connection: id, consumerId: request.consumerId)
        guard let consumer = consumers[key], let topic = topics[consumer.topic] else {
            replyError(request.requestId, .metadataError, "Consumer not found", to: id, into: &outputs)
            return
        }
        let log = topic.log
        let partition = topic.partitionIndexOnWire
        // As ServerCnx.getLargestBatchIndexWhenPossible answers in 3.x: the last entry with its largest batch index;
        // (-1, -1) when there is no last entry to read (an empty topic, or one whose last ledger was deleted: the
        // broker falls back to the compacted ledger, and there is none); the mark-delete position (ledger and entry
        // only) always.
        var last = MessageIdData(ledgerId: UInt64.max, entryId: UInt64.max, partition: partition, batchIndex: -1)
        if let entry = log.entry(log.lastEntryId) {
            let (ledgerId, entryId) = log.messageId(at: log.lastEntryId)
            last.ledgerId = ledgerId
            last.entryId = UInt64(entryId)
            if entry.isBatch { last.batchIndex = entry.messageCount - 1 }
        }
        var response = CommandGetLastMessageIdResponse(lastMessageId: last, requestId: request.requestId)
        if let subscription = topic.subscriptions[consumer.subscription] {
            response.consumerMarkDeletePosition = log.messageIdData(at: subscription.cursor.markDeletePosition, partition: nil)
        }
        outputs.send(.getLastMessageIdResponse(response), to: id)
    }

    mutating func handleConsumerStats(_ request: CommandConsumerStats, from id: ConnectionID, into outputs: inout BrokerOutputs) {
        let key = ConsumerKey(connection: id, consumerId: request.consumerId)
        guard let consumer = consumers[key], let topic = topics[consumer.topic],
              let subscription = topic.subscriptions[consumer.subscription] else {
            outputs.send(.consumerStatsResponse(CommandConsumerStatsResponse(
                requestId: request.requestId, errorCode: .consumerNotFound, errorMessage: "Consumer \(request.consumerId) not found")), to: id)
            return
        }
        outputs.send(.consumerStatsResponse(CommandConsumerStatsResponse(
            requestId: request.requestId, msgRateOut: 0, msgThroughputOut: 0, msgRateRedeliver: 0, consumerName: consumer.name,
            availablePermits: UInt64(max(0, consumer.permits)), unackedMessages: UInt64(max(0, consumer.unackedMessages)),
            blockedConsumerOnUnackedMsgs: false, address: address(of: id),
            connectedSince: Self.isoTimestamp(consumer.connectedSince), type: subscription.type.name ?? "\(subscription.type)",
            // The broker counts entries here (getNumberOfEntriesInBacklog), not messages.
            msgRateExpired: 0, msgBacklog: UInt64(backlogEntries(of: subscription, in: topic)), messageAckRate: 0)), to: id)
    }

    /// Entries not yet wholly acknowledged by `subscription`.
    func backlogEntries(of subscription: Subscription, in topic: Topic) -> Int {
        let log = topic.log
        var count = 0
        var id = max(subscription.cursor.markDeletePosition + 1, log.firstEntryId)
        while id <= log.lastEntryId {
            if !subscription.cursor.isAcknowledged(id) { count += 1 }
            id += 1
        }
        return count
    }

    /// Messages not yet acknowledged by `subscription` (batches count their unacknowledged members).
    func backlog(of subscription: Subscription, in topic: Topic) -> Int {
        let log = topic.log
        var count = 0
        var id = max(subscription.cursor.markDeletePosition + 1, log.firstEntryId)
        while id <= log.lastEntryId {
            if !subscription.cursor.isAcknowledged(id), let entry = log.entry(id) {
                if let ackSet = subscription.cursor.unacknowledgedBatchIndexes(id) {
                    count += ackSet.reduce(0) { $0 + $1.nonzeroBitCount }
                } else {
                    count += Int(entry.messageCount)
                }
            }
            id += 1
        }
        return count
    }
}
