import Synchronization

/// The producers a consumer publishes to when a message leaves its subscription: the dead-letter topic (too many
/// redeliveries) and the retry-letter topic (``Consumer/reconsumeLater(_:delay:properties:)``). Created on first use.
final class DeadLetterProducers: Sendable {
    private let core: ClientCore
    let deadLetterTopic: String?
    let retryLetterTopic: String?
    private let initialSubscription: String?
    private let producers = Mutex<[String: Task<Producer, any Error>]>([:])

    init(core: ClientCore, deadLetterTopic: String?, retryLetterTopic: String?, initialSubscription: String?) {
        self.core = core
        self.deadLetterTopic = deadLetterTopic
        self.retryLetterTopic = retryLetterTopic
        self.initialSubscription = initialSubscription
    }

    /// The producer for `topic`, created once.
    func producer(for topic: String) async throws -> Producer {
        let task = producers.withLock { producers -> Task<Producer, any Error> in
            if let existing = producers[topic] { return existing }
            var options = ProducerOptions()
            options.initialSubscriptionName = topic == deadLetterTopic ? initialSubscription : nil
            let task = Task { [core] in try await core.makeProducer(topic: topic, options: options) }
            producers[topic] = task
            return task
        }
        do {
            return try await task.value
        } catch {
            producers.withLock { producers in _ = producers.removeValue(forKey: topic) }
            throw error
        }
    }

    /// Closes the producers created so far.
    func close() async {
        let tasks = producers.withLock { producers in
            defer { producers = [:] }
            return Array(producers.values)
        }
        for task in tasks { await (try? await task.value)?.close() }
    }
}

extension ConsumerCore {
    /// Publishes messages past the redelivery limit to the dead-letter topic, then acknowledges them; on failure
    /// they go back to normal redelivery.
    func deadLetter(_ messages: [Message]) async {
        guard let topic = deadLetters.deadLetterTopic else { return }
        do {
            let producer = try await deadLetters.producer(for: topic)
            var receipts: [SendReceipt] = []
            for message in messages {
                receipts.append(try await producer.enqueue(message.payload, options: Self.copyOptions(of: message)))
            }
            for (message, receipt) in zip(messages, receipts) {
                _ = try await receipt.messageID()
                try? acknowledge(message.messageID, source: message.source)
            }
            core.logger.info("sent \(messages.count) message(s) to the dead-letter topic \(topic)")
        } catch {
            core.logger.warning("could not publish to the dead-letter topic \(topic): \(error)")
            let now = core.clock.instant
            withMachine { $0.machine.deadLetterFailed(messages, now: now) }
        }
    }

    /// The send options that copy a message to another topic, recording where it came from (Java client's names).
    static func copyOptions(of message: Message, extra: [String: String] = [:]) -> SendOptions {
        var properties = message.properties
        if properties[RetryLetterProperty.realTopic] == nil { properties[RetryLetterProperty.realTopic] = message.topic }
        if properties[RetryLetterProperty.originMessageId] == nil {
            properties[RetryLetterProperty.originMessageId] = message.messageID.description
        }
        properties.merge(extra) { _, new in new }
        return SendOptions(key: message.key, orderingKey: message.orderingKey, properties: properties,
                           eventTime: message.eventTime)
    }
}
