import PulsarWire

extension BrokerState {
    /// Parses a topic name with the broker's rules and the configured length limit.
    func topicName(_ name: String) throws(WireError) -> TopicName {
        let limit = configuration.limits.maxTopicNameLength
        if limit > 0, name.utf8.count > limit {
            throw .invalidTopicName(String(name.prefix(64)) + "…", "the name is \(name.utf8.count) bytes long; the limit is \(limit)")
        }
        let topic = try TopicName(name)
        if limit > 0, topic.description.utf8.count > limit {
            throw .invalidTopicName(String(name.prefix(64)) + "…",
                                    "the full name is \(topic.description.utf8.count) bytes long; the limit is \(limit)")
        }
        return topic
    }

    /// Parses a topic name, answering InvalidTopicName on failure.
    func parseTopic(_ name: String, requestId: UInt64, from id: ConnectionID, into outputs: inout BrokerOutputs) -> TopicName? {
        do {
            return try topicName(name)
        } catch {
            replyError(requestId, .invalidTopicName, error.message, to: id, into: &outputs)
            return nil
        }
    }

    /// The topic, created on first use when allowed. Partitioned parents cannot hold producers or consumers.
    mutating func resolveTopic(_ name: TopicName, create: Bool) -> Result<TopicName, TopicResolutionError> {
        if topics[name] != nil { return .success(name) }
        if partitionedTopics[name] != nil {
            return .failure(.init(error: .notAllowedError, message: "\(name) is a partitioned topic; use its partitions"))
        }
        guard create, configuration.allowAutoTopicCreation || isPartitionOfExistingTopic(name) else {
            return .failure(.init(error: .topicNotFound, message: "Topic \(name) does not exist"))
        }
        createTopic(name)
        return .success(name)
    }

    /// Creates an empty topic (no-op if it exists). A partition added by growing its partitioned topic starts with
    /// the durable subscriptions its siblings had then, as the broker creates them on new partitions.
    mutating func createTopic(_ name: TopicName) {
        guard topics[name] == nil else { return }
        let topic = Topic(name: name, ledgerIds: ledgerIds, rollover: configuration.ledgerRollover)
        if let index = name.partitionIndex, let seeds = partitionSeeds[name.partitionedParent] {
            for seed in seeds where index >= seed.fromIndex {
                for subscription in seed.subscriptions where topic.subscriptions[subscription] == nil {
                    topic.subscriptions[subscription] = Subscription(name: subscription, type: .exclusive, isDurable: true, start: 0)
                }
            }
        }
        topics[name] = topic
    }

    /// The partitions of a partitioned topic that exist as topics (have been used), in index order.
    func usedPartitions(of parent: TopicName) -> [TopicName] {
        topics.keys.filter { $0.partitionIndex != nil && $0.partitionedParent == parent }
            .sorted { ($0.partitionIndex ?? 0) < ($1.partitionIndex ?? 0) }
    }

    func isPartitionOfExistingTopic(_ name: TopicName) -> Bool {
        guard let index = name.partitionIndex, let count = partitionedTopics[name.partitionedParent] else { return false }
        return index < count
    }

    mutating func handlePartitionedMetadata(_ request: CommandPartitionedTopicMetadata, from id: ConnectionID,
                                            into outputs: inout BrokerOutputs) {
        let topic: TopicName
        do {
            topic = try topicName(request.topic)
        } catch {
            // Like the broker: the failure comes in the response the client waits for, not as an ERROR it ignores.
            outputs.send(.partitionedMetadataResponse(CommandPartitionedTopicMetadataResponse(
                requestId: request.requestId, response: .failed, error: .invalidTopicName, message: error.message)), to: id)
            return
        }
        guard authorizePartitionedMetadata(topic, requestId: request.requestId, from: id, into: &outputs) else { return }
        if topics[topic] == nil, partitionedTopics[topic] == nil, topic.partitionIndex == nil,
           configuration.autoTopicCreationPartitions > 0, configuration.allowAutoTopicCreation, request.metadataAutoCreationEnabled {
            // allowAutoTopicCreationType=partitioned: the metadata is created now, the partitions on first use.
            partitionedTopics[topic] = configuration.autoTopicCreationPartitions
        }
        let partitions = partitionedTopics[topic] ?? 0
        if partitions == 0, topics[topic] == nil, !request.metadataAutoCreationEnabled || !configuration.allowAutoTopicCreation,
           !isPartitionOfExistingTopic(topic) {
            outputs.send(.partitionedMetadataResponse(CommandPartitionedTopicMetadataResponse(
                requestId: request.requestId, response: .failed, error: .topicNotFound,
                message: "Topic \(topic) does not exist")), to: id)
            return
        }
        outputs.send(.partitionedMetadataResponse(CommandPartitionedTopicMetadataResponse(
            partitions: UInt32(partitions), requestId: request.requestId, response: .success)), to: id)
    }

    mutating func handleLookup(_ request: CommandLookupTopic, from id: ConnectionID, into outputs: inout BrokerOutputs) {
        let topic: TopicName
        do {
            topic = try topicName(request.topic)
        } catch {
            outputs.send(.lookupResponse(CommandLookupTopicResponse(
                response: .failed, requestId: request.requestId, error: .invalidTopicName, message: error.message)), to: id)
            return
        }
        guard authorizeLookup(topic, requestId: request.requestId, from: id, into: &outputs) else { return }
        outputs.send(.lookupResponse(CommandLookupTopicResponse(
            brokerServiceUrl: advertisedServiceURL, response: .connect, requestId: request.requestId,
            authoritative: true, proxyThroughServiceUrl: false)), to: id)
    }

    mutating func handleGetTopicsOfNamespace(_ request: CommandGetTopicsOfNamespace, from id: ConnectionID,
                                             into outputs: inout BrokerOutputs) {
        guard authorizeTopicListing(request.namespace, requestId: request.requestId, from: id, into: &outputs) else { return }
        let names = topicNames(inNamespace: request.namespace, mode: request.mode)
        outputs.send(.getTopicsOfNamespaceResponse(CommandGetTopicsOfNamespaceResponse(
            requestId: request.requestId, topics: names, filtered: false, changed: true)), to: id)
    }

    /// Full names of the topics in `namespace` (`tenant/ns`), partitions included, sorted: the same list as the admin
    /// API's, so a persistent partition is listed before anything used it, as the broker creates them at once.
    func topicNames(inNamespace namespace: String, mode: TopicListMode) -> [String] {
        var names: [String] = []
        if mode != .nonPersistent { names += adminTopicNames(namespace: namespace, domain: .persistent) }
        if mode != .persistent { names += adminTopicNames(namespace: namespace, domain: .nonPersistent) }
        return names.sorted()
    }
}

/// Why a topic could not be used.
struct TopicResolutionError: Error {
    var error: ServerError
    var message: String
}
