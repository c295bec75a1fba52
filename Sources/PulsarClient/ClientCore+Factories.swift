import PulsarWire

extension ClientCore {
    /// The partition names of `topic` (the topic itself when it is not partitioned), with their indexes.
    func sources(of topic: String) async throws -> [ConsumerSource] {
        let count = try await retrying("reading the partitions of \(topic)") { try await self.lookup.partitionCount(topic: topic) }
        guard count > 0 else { return [ConsumerSource(topic: topic, partition: -1)] }
        let parent = try TopicName(validating: topic)
        return (0..<count).map { ConsumerSource(topic: parent.partition($0).description, partition: Int32($0)) }
    }

    /// Creates a producer on every partition of `topic`.
    func makeProducer(topic name: String, options: ProducerOptions) async throws -> Producer {
        try options.validate()
        let topic = try TopicName(validating: name).description
        guard !isClosed else { throw PulsarClientError.closed("the client") }
        let partitions = try await sources(of: topic).map {
            PartitionProducer(topic: $0.topic, partition: $0.partition, core: self, options: options)
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for partition in partitions { group.addTask { try await partition.create() } }
                try await group.waitForAll()
            }
        } catch {
            await withTaskGroup(of: Void.self) { group in
                for partition in partitions { group.addTask { await partition.close() } }
            }
            throw error
        }
        let producer = Producer(topic: topic, partitions: partitions, options: options, core: self)
        do {
            try register(producer)
        } catch {
            await producer.close()
            throw error
        }
        return producer
    }

    /// Subscribes a consumer core to every partition of `topics` and registers it with the client.
    func makeConsumerCore(topics names: [String], subscription: String, options: ConsumerOptions,
                          durable: Bool = true, readerStart: MessageID? = nil,
                          readerStartInclusive: Bool = false) async throws -> ConsumerCore {
        try options.validate()
        guard !subscription.isEmpty else { throw PulsarClientError(.invalidConfiguration, "the subscription name is empty") }
        guard !names.isEmpty else { throw PulsarClientError(.invalidConfiguration, "no topic to subscribe to") }
        guard !isClosed else { throw PulsarClientError.closed("the client") }
        var topics = try names.map { try TopicName(validating: $0).description }
        var deadLetterTopic: String?
        var retryLetterTopic: String?
        if let policy = options.deadLetterPolicy {
            let base = topics[0]
            deadLetterTopic = try TopicName(validating: policy.deadLetterTopic ?? "\(base)-\(subscription)-DLQ").description
            retryLetterTopic = try TopicName(validating: policy.retryLetterTopic ?? "\(base)-\(subscription)-RETRY").description
            if options.retryEnabled, let retry = retryLetterTopic, !topics.contains(retry) { topics.append(retry) }
        }
        var sources: [ConsumerSource] = []
        for topic in topics { sources += try await self.sources(of: topic) }
        let setup = ConsumerCore.Setup(subscription: subscription, sources: sources, options: options, durable: durable,
                                       readerStart: readerStart, readerStartInclusive: readerStartInclusive,
                                       deadLetterTopic: deadLetterTopic,
                                       retryLetterTopic: options.retryEnabled ? retryLetterTopic : nil)
        let consumer = ConsumerCore(setup: setup, core: self)
        do {
            try await consumer.subscribeAll()
        } catch {
            await consumer.close()
            throw error
        }
        return consumer
    }
}
