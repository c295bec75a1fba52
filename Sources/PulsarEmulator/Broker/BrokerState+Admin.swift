import PulsarWire

/// Where an admin operation puts a subscription's cursor.
enum AdminCursorPosition: Equatable {
    /// The first stored entry.
    case earliest
    /// After the last entry: only new messages.
    case latest
    /// A message id (`ledger:entry`); `excluded` starts right after it.
    case messageId(ledgerId: Int64, entryId: Int64, excluded: Bool)
    /// The first entry published at or after this time (milliseconds since the epoch).
    case publishTime(Int64)
}

/// The state operations behind the admin REST API. Each keeps the broker consistent the way the binary side does:
/// clients attached to what changes get CLOSE_PRODUCER / CLOSE_CONSUMER (and reconnect, as after a SEEK), and
/// everything they held is released.
extension BrokerState {
    // MARK: Tenants and namespaces

    /// Known tenants: the defaults, those created, and those of namespaces and topics in use; sorted.
    var adminTenantNames: [String] {
        var names = Set(adminCatalog.tenants.keys)
        for namespace in adminNamespaceNames() { names.insert(String(namespace.prefix { $0 != "/" })) }
        return names.sorted()
    }

    /// Known namespaces (`tenant/ns`), optionally of one tenant: created ones plus those topics live in; sorted.
    func adminNamespaceNames(tenant: String? = nil) -> [String] {
        var names = adminCatalog.namespaces
        for name in topics.keys { names.insert(name.namespaceName) }
        for name in partitionedTopics.keys { names.insert(name.namespaceName) }
        guard let tenant else { return names.sorted() }
        return names.filter { $0.hasPrefix(tenant + "/") }.sorted()
    }

    func adminTenantExists(_ tenant: String) -> Bool { adminTenantNames.contains(tenant) }

    func adminNamespaceExists(_ namespace: String) -> Bool { adminNamespaceNames().contains(namespace) }

    mutating func adminCreateTenant(_ tenant: String, info: TenantInfo) throws(AdminError) {
        guard !adminTenantExists(tenant) else { throw AdminError(.conflict, "Tenant already exists") }
        adminCatalog.tenants[tenant] = info
    }

    mutating func adminUpdateTenant(_ tenant: String, info: TenantInfo) throws(AdminError) {
        guard adminTenantExists(tenant) else { throw AdminError.tenantNotFound }
        adminCatalog.tenants[tenant] = info
    }

    mutating func adminDeleteTenant(_ tenant: String) throws(AdminError) {
        guard adminTenantExists(tenant) else { throw AdminError.tenantNotFound }
        guard adminNamespaceNames(tenant: tenant).isEmpty else {
            throw AdminError(.conflict, "The tenant still has active namespaces")
        }
        adminCatalog.tenants[tenant] = nil
    }

    mutating func adminCreateNamespace(_ namespace: String) throws(AdminError) {
        let tenant = String(namespace.prefix { $0 != "/" })
        guard adminTenantExists(tenant) else { throw AdminError.tenantNotFound }
        guard !adminNamespaceExists(namespace) else { throw AdminError(.conflict, "Namespace already exists") }
        adminCatalog.tenants[tenant] = adminCatalog.tenants[tenant] ?? TenantInfo()
        adminCatalog.namespaces.insert(namespace)
    }

    /// Deletes an empty namespace; with `force`, its topics first (their clients are disconnected).
    mutating func adminDeleteNamespace(_ namespace: String, force: Bool, now: Int64,
                                       into outputs: inout BrokerOutputs) throws(AdminError) {
        guard adminNamespaceExists(namespace) else { throw AdminError.namespaceNotFound }
        let inside = topics.keys.filter { $0.namespaceName == namespace }.sorted()
        let partitioned = partitionedTopics.keys.filter { $0.namespaceName == namespace }
        if !force, !(inside.isEmpty && partitioned.isEmpty) {
            throw AdminError(.conflict, "Cannot delete non empty namespace")
        }
        for name in partitioned { partitionedTopics[name] = nil }
        for name in inside { adminRemoveTopic(name, now: now, into: &outputs) }
        adminCatalog.namespaces.remove(namespace)
    }

    // MARK: Topics

    /// Non-partitioned topics and partitions in a namespace and domain, like `GET /admin/v2/{domain}/{tenant}/{ns}`.
    func adminTopicNames(namespace: String, domain: TopicName.Domain) -> [String] {
        var names = Set(topics.keys.filter { $0.namespaceName == namespace && $0.domain == domain })
        for (parent, count) in partitionedTopics where parent.namespaceName == namespace && parent.domain == domain {
            // Persistent partitions exist from creation on; list them like the broker does.
            if domain == .persistent { for index in 0..<count { names.insert(parent.partition(index)) } }
        }
        return names.sorted().map(\.description)
    }

    /// Partitioned topics in a namespace and domain.
    func adminPartitionedTopicNames(namespace: String, domain: TopicName.Domain) -> [String] {
        partitionedTopics.keys.filter { $0.namespaceName == namespace && $0.domain == domain }.sorted().map(\.description)
    }

    /// Creates a non-partitioned topic.
    mutating func adminCreateTopic(_ name: TopicName) throws(AdminError) {
        guard topics[name] == nil, partitionedTopics[name] == nil else { throw AdminError(.conflict, "This topic already exists") }
        guard adminNamespaceExists(name.namespaceName) else { throw AdminError.namespaceNotFound }
        createTopic(name)
    }

    /// Deletes a non-partitioned topic (or one partition). Without `force` it refuses while producers or consumers
    /// are attached; with it, they get CLOSE_PRODUCER / CLOSE_CONSUMER first.
    mutating func adminDeleteTopic(_ name: TopicName, force: Bool, now: Int64, into outputs: inout BrokerOutputs) throws(AdminError) {
        guard let topic = topics[name] else { throw AdminError.topicNotFound(name) }
        if !force, adminHasClients(topic) {
            throw AdminError(.preconditionFailed, "Topic has active producers/subscriptions")
        }
        adminRemoveTopic(name, now: now, into: &outputs)
    }

    /// The partition count of a partitioned topic, 0 for a non-partitioned one.
    func adminPartitionCount(_ name: TopicName) throws(AdminError) -> Int {
        if let count = partitionedTopics[name] { return count }
        if topics[name] != nil || configuration.allowAutoTopicCreation { return 0 }
        throw AdminError.topicNotFound(name)
    }

    /// Refuses a partition count the broker would refuse: not positive, or above the configured maximum.
    func adminValidatePartitionCount(_ partitions: Int) throws(AdminError) {
        guard partitions > 0 else { throw AdminError(.notAcceptable, "Number of partitions should be more than 0") }
        let maximum = configuration.limits.maxPartitionsPerTopic
        if maximum > 0, partitions > maximum {
            throw AdminError(.notAcceptable, "Number of partitions should be less than or equal to \(maximum)")
        }
    }

    /// Creates a partitioned topic. Only the count is recorded: a partition becomes a topic when it is first used,
    /// so the cost of a large count is paid per partition actually used. (The broker creates persistent partitions at
    /// once; the admin API lists and reports them the same either way.)
    mutating func adminCreatePartitionedTopic(_ name: TopicName, partitions: Int) throws(AdminError) {
        try adminValidatePartitionCount(partitions)
        guard name.partitionIndex == nil else {
            throw AdminError(.preconditionFailed, "Partitioned topic name should not contain '-partition-'")
        }
        guard partitionedTopics[name] == nil else { throw AdminError(.conflict, "Partitioned topic already exists") }
        guard topics[name] == nil else { throw AdminError(.conflict, "This topic already exists") }
        guard adminNamespaceExists(name.namespaceName) else { throw AdminError.namespaceNotFound }
        partitionedTopics[name] = partitions
    }

    /// Raises the partition count of a partitioned topic (the broker never lowers it).
    mutating func adminUpdatePartitionedTopic(_ name: TopicName, partitions: Int) throws(AdminError) {
        guard let current = partitionedTopics[name] else { throw AdminError(.conflict, "Topic is not partitioned topic") }
        try adminValidatePartitionCount(partitions)
        guard partitions > current else {
            throw AdminError(.conflict, "number of partitions must be more than existing \(current)")
        }
        partitionedTopics[name] = partitions
        guard name.isPersistent else { return }
        // New partitions get the subscriptions the existing ones have, positioned at their (empty) start, when they
        // are first used (see `createTopic`).
        let subscriptionNames = Set(topics.values.lazy.filter { $0.name.partitionIndex != nil && $0.name.partitionedParent == name }
            .flatMap { $0.subscriptions.values.filter(\.isDurable).map(\.name) })
        if !subscriptionNames.isEmpty {
            partitionSeeds[name, default: []].append(PartitionSeed(fromIndex: current, subscriptions: subscriptionNames))
        }
    }

    /// Deletes a partitioned topic and its partitions.
    mutating func adminDeletePartitionedTopic(_ name: TopicName, force: Bool, now: Int64,
                                              into outputs: inout BrokerOutputs) throws(AdminError) {
        guard partitionedTopics[name] != nil else { throw AdminError.partitionedTopicNotFound(name) }
        let partitions = usedPartitions(of: name)
        if !force, partitions.contains(where: { topics[$0].map(adminHasClients) ?? false }) {
            throw AdminError(.preconditionFailed, "Topic has active producers/subscriptions")
        }
        for partition in partitions { adminRemoveTopic(partition, now: now, into: &outputs) }
        partitionedTopics[name] = nil
        partitionSeeds[name] = nil
    }

    /// Disconnects every producer and consumer of a topic, keeping its state (`PUT .../unload`).
    mutating func adminUnloadTopic(_ name: TopicName, now: Int64, into outputs: inout BrokerOutputs) throws(AdminError) {
        guard topics[name] != nil else { throw AdminError.topicNotFound(name) }
        adminDisconnectProducers(of: name, into: &outputs)
        for subscription in (topics[name]?.subscriptions.keys.sorted() ?? []) {
            adminDisconnectConsumers(of: name, subscription: subscription, now: now, into: &outputs)
        }
    }

    private func adminHasClients(_ topic: Topic) -> Bool {
        !topic.producers.isEmpty || !topic.waitingProducers.isEmpty || topic.subscriptions.values.contains { !$0.consumers.isEmpty }
    }

    /// Drops a topic after closing its producers and consumers.
    private mutating func adminRemoveTopic(_ name: TopicName, now: Int64, into outputs: inout BrokerOutputs) {
        guard let topic = topics[name] else { return }
        adminDisconnectProducers(of: name, into: &outputs)
        for (_, subscription) in topic.subscriptions {
            for key in subscription.consumers {
                outputs.send(.closeConsumer(CommandCloseConsumer(consumerId: key.consumerId, requestId: UInt64.max)), to: key.connection)
                consumers[key] = nil
                connections[key.connection]?.consumers.remove(key.consumerId)
            }
        }
        topics[name] = nil
    }

    /// Sends CLOSE_PRODUCER to every producer of a topic (waiting ones too) and forgets them.
    private mutating func adminDisconnectProducers(of name: TopicName, into outputs: inout BrokerOutputs) {
        guard let topic = topics[name] else { return }
        for key in topic.producers + topic.waitingProducers {
            outputs.send(.closeProducer(CommandCloseProducer(producerId: key.producerId, requestId: UInt64.max)), to: key.connection)
            producers[key] = nil
            connections[key.connection]?.producers.remove(key.producerId)
        }
        topic.producers.removeAll()
        topic.waitingProducers.removeAll()
        topic.producerNames.removeAll()
    }

    /// Sends CLOSE_CONSUMER to every consumer of a subscription and detaches them (their unacknowledged entries go
    /// back to the subscription), as the broker does before it moves a cursor.
    private mutating func adminDisconnectConsumers(of name: TopicName, subscription: String, now: Int64,
                                                   into outputs: inout BrokerOutputs) {
        let attached = topics[name]?.subscriptions[subscription]?.consumers ?? []
        for key in attached {
            outputs.send(.closeConsumer(CommandCloseConsumer(consumerId: key.consumerId, requestId: UInt64.max)), to: key.connection)
        }
        for key in attached { removeConsumer(key, now: now, into: &outputs) }
    }

    // MARK: Subscriptions

    /// Subscription names of a topic, sorted.
    func adminSubscriptionNames(_ name: TopicName) throws(AdminError) -> [String] {
        guard let topic = topics[name] else { throw AdminError.topicNotFound(name) }
        return topic.subscriptions.keys.sorted()
    }

    /// Creates a durable subscription positioned at `position` (the broker's default is latest).
    mutating func adminCreateSubscription(_ name: TopicName, _ subscription: String, at position: AdminCursorPosition)
        throws(AdminError) {
        guard !subscription.isEmpty else { throw AdminError(.preconditionFailed, "Subscription name is empty") }
        if let refusal = nameRefusal(subscription, kind: "Subscription") { throw AdminError(.preconditionFailed, refusal) }
        if topics[name] == nil {
            guard configuration.allowAutoTopicCreation || (name.partitionIndex.map { _ in partitionedTopics[name.partitionedParent] != nil } ?? false)
            else { throw AdminError.topicNotFound(name) }
            createTopic(name)
        }
        guard let topic = topics[name] else { throw AdminError.topicNotFound(name) }
        guard topic.subscriptions[subscription] == nil else {
            throw AdminError(.conflict, "Subscription already exists for topic")
        }
        let start = adminEntry(position, in: topic.log)
        topic.subscriptions[subscription] = Subscription(name: subscription, type: .exclusive, isDurable: true, start: start)
    }

    /// Deletes a subscription. Without `force` it refuses while consumers are attached; with it, they get
    /// CLOSE_CONSUMER first.
    mutating func adminDeleteSubscription(_ name: TopicName, _ subscriptionName: String, force: Bool, now: Int64,
                                          into outputs: inout BrokerOutputs) throws(AdminError) {
        guard let topic = topics[name] else { throw AdminError.topicNotFound(name) }
        guard let subscription = topic.subscriptions[subscriptionName] else {
            throw AdminError.subscriptionNotFound(subscriptionName, name)
        }
        if !subscription.consumers.isEmpty, !force {
            throw AdminError(.preconditionFailed, "Subscription has active connected consumers")
        }
        for key in subscription.consumers {
            outputs.send(.closeConsumer(CommandCloseConsumer(consumerId: key.consumerId, requestId: UInt64.max)), to: key.connection)
            consumers[key] = nil
            connections[key.connection]?.consumers.remove(key.consumerId)
        }
        topic.subscriptions[subscriptionName] = nil
        trimLog(topic: name)
    }

    /// Acknowledges everything published so far (`skip_all`, "clear backlog"); consumers stay attached.
    mutating func adminSkipAll(_ name: TopicName, _ subscriptionName: String) throws(AdminError) {
        try adminSkip(name, subscriptionName, entries: nil)
    }

    /// Acknowledges the next `entries` unacknowledged entries (all of them when nil); consumers stay attached and
    /// whatever they hold of those entries no longer counts as unacknowledged.
    mutating func adminSkip(_ name: TopicName, _ subscriptionName: String, entries limit: Int?) throws(AdminError) {
        guard let topic = topics[name] else { throw AdminError.topicNotFound(name) }
        guard let subscription = topic.subscriptions[subscriptionName] else {
            throw AdminError.subscriptionNotFound(subscriptionName, name)
        }
        var skipped = 0
        var id = max(subscription.cursor.markDeletePosition + 1, topic.log.firstEntryId)
        while id <= topic.log.lastEntryId, limit.map({ skipped < $0 }) ?? true {
            if !subscription.cursor.isAcknowledged(id) {
                subscription.cursor.acknowledge(id)
                if let pending = subscription.pending[id] {
                    consumers[pending.consumer]?.unackedMessages -= Int(pending.messageCount)
                }
                subscription.forgetAcknowledged(id)
                skipped += 1
            }
            id += 1
        }
        if limit == nil { subscription.cursor.acknowledgeCumulative(through: topic.log.lastEntryId) }
        trimLog(topic: name)
    }

    /// Moves a subscription's cursor (`resetcursor`) with ``resetCursor(topic:subscription:to:now:into:)``, as a SEEK
    /// does: its consumers get CLOSE_CONSUMER and reconnect, then read from the new position.
    mutating func adminResetCursor(_ name: TopicName, _ subscriptionName: String, to position: AdminCursorPosition,
                                   now: Int64, into outputs: inout BrokerOutputs) throws(AdminError) {
        guard let topic = topics[name] else { throw AdminError.topicNotFound(name) }
        guard topic.subscriptions[subscriptionName] != nil else {
            throw AdminError.subscriptionNotFound(subscriptionName, name)
        }
        resetCursor(topic: name, subscription: subscriptionName, to: adminEntry(position, in: topic.log), now: now, into: &outputs)
    }

    /// The entry id a position designates in `log`, clamped to what is stored (and the next id).
    func adminEntry(_ position: AdminCursorPosition, in log: TopicLog) -> Int64 {
        switch position {
        case .earliest:
            return log.firstEntryId
        case .latest:
            return log.nextEntryId
        case .messageId(let ledgerId, let entryId, let excluded):
            let position = log.position(nearest: UInt64(bitPattern: ledgerId), entryId: UInt64(bitPattern: entryId))
            let named = log.writtenPosition(ledgerId: UInt64(bitPattern: ledgerId), entryId: UInt64(bitPattern: entryId))
            if excluded, let named, named >= position { return min(named + 1, log.nextEntryId) }
            return position
        case .publishTime(let time):
            return log.firstEntry(publishedAtOrAfter: UInt64(max(0, time)))
        }
    }
}
