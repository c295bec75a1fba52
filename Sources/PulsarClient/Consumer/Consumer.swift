import Synchronization

/// Receives messages from a subscription on one or more topics (every partition of a partitioned topic).
///
/// ```swift
/// var options = ConsumerOptions()
/// options.subscriptionType = .shared
/// let consumer = try await client.subscribe(topic: "orders", subscription: "billing", options: options)
/// for try await message in consumer.messages {
///     try handle(message)
///     try consumer.acknowledge(message)
/// }
/// ```
public final class Consumer: Sendable, ClientResource {
    /// The fully qualified topics, as subscribed (partitioned topics by their own name).
    public let topics: [String]
    /// The subscription name.
    public let subscription: String
    let consumerCore: ConsumerCore
    private let core: ClientCore

    init(topics: [String], subscription: String, consumerCore: ConsumerCore, core: ClientCore) {
        self.topics = topics
        self.subscription = subscription
        self.consumerCore = consumerCore
        self.core = core
    }

    /// The first (usually the only) topic.
    public var topic: String { topics[0] }

    /// The consumer name sent to the broker.
    public var name: String { consumerCore.consumerName }

    /// The next message: at once if one is queued, else when one arrives.
    ///
    /// - Throws: ``PulsarClientError/Code/alreadyClosed`` once closed; ``PulsarClientError/Code/cancelled`` if the
    ///   waiting task is cancelled.
    public func receive() async throws -> Message { try await consumerCore.receive() }

    /// The next message, or nil if none arrives within `timeout`.
    public func receive(timeout: Duration) async throws -> Message? { try await consumerCore.receive(timeout: timeout) }

    /// The messages as an asynchronous sequence; it ends when the consumer is closed.
    public var messages: MessageSequence { MessageSequence(core: consumerCore) }

    /// Acknowledges a message (grouped with others for at most ``ConsumerOptions/ackGroupingInterval``).
    public func acknowledge(_ message: Message) throws {
        try consumerCore.acknowledge(message.messageID, source: message.source)
    }

    /// Acknowledges a message by id (for multi-topic consumers pass the ``Message`` instead).
    public func acknowledge(_ id: MessageID) throws {
        try consumerCore.acknowledge(id, source: try consumerCore.source(of: id))
    }

    /// Acknowledges a message and every earlier one of its topic or partition (not on Shared or Key_Shared).
    ///
    /// - Throws: ``PulsarClientError/Code/notSupported`` on Shared and Key_Shared subscriptions.
    public func acknowledgeCumulative(_ message: Message) throws {
        try consumerCore.acknowledgeCumulative(message.messageID, source: message.source)
    }

    /// Acknowledges cumulatively by id (see ``acknowledgeCumulative(_:)-(Message)``).
    public func acknowledgeCumulative(_ id: MessageID) throws {
        try consumerCore.acknowledgeCumulative(id, source: try consumerCore.source(of: id))
    }

    /// Asks for the message again after ``ConsumerOptions/nackRedeliveryDelay`` (or, past the dead-letter policy's
    /// limit, sends it to the dead-letter topic). On Exclusive and Failover subscriptions the broker redelivers every
    /// unacknowledged message, as Apache Pulsar does.
    public func negativeAcknowledge(_ message: Message) throws {
        try consumerCore.negativeAcknowledge(message.messageID, source: message.source)
    }

    /// Negatively acknowledges by id (see ``negativeAcknowledge(_:)-(Message)``).
    public func negativeAcknowledge(_ id: MessageID) throws {
        try consumerCore.negativeAcknowledge(id, source: try consumerCore.source(of: id))
    }

    /// Asks the broker to redeliver every message received and not acknowledged.
    public func redeliverUnacknowledgedMessages() throws { try consumerCore.redeliverUnacknowledged() }

    /// Sends the grouped acknowledgements now instead of at the end of the grouping interval.
    public func flushAcknowledgements() throws { try consumerCore.flushAcknowledgements() }

    /// Publishes a copy of `message` to the retry-letter topic, to come back after `delay`, and acknowledges the
    /// original (the Java client's `reconsumeLater`). Once the copy was retried more than the dead-letter policy's
    /// `maxRedeliverCount` times it goes to the dead-letter topic instead. Needs ``ConsumerOptions/retryEnabled``;
    /// the delay is honoured by the broker on Shared and Key_Shared subscriptions.
    public func reconsumeLater(_ message: Message, delay: Duration, properties: [String: String] = [:]) async throws {
        let letters = consumerCore.deadLetters
        guard let retryTopic = letters.retryLetterTopic, let deadTopic = letters.deadLetterTopic,
              let limit = consumerCore.setup.options.deadLetterPolicy?.maxRedeliverCount else {
            throw PulsarClientError(.invalidConfiguration, "reconsumeLater needs retryEnabled and a deadLetterPolicy")
        }
        var options = SendOptions(key: message.key, orderingKey: message.orderingKey, eventTime: message.eventTime)
        let target: String
        switch RetryLetterDecision.decide(message, delay: delay, maxRedeliverCount: limit, properties: properties) {
        case .retry(let properties):
            target = retryTopic
            options.properties = properties
            options.deliverAfter = delay
        case .deadLetter(let properties):
            target = deadTopic
            options.properties = properties
        }
        let producer = try await letters.producer(for: target)
        _ = try await producer.send(message.payload, options: options)
        try acknowledge(message)
    }

    /// Moves the subscription so that `id` is the next message (``MessageID/earliest`` and ``MessageID/latest``
    /// work too). Messages already queued are dropped; the consumer re-subscribes at the new position.
    public func seek(to id: MessageID) async throws {
        let sources = id == .earliest || id == .latest || consumerCore.setup.sources.count == 1
            ? Array(consumerCore.setup.sources.indices) : [try consumerCore.source(of: id)]
        try await consumerCore.seek(sources: sources, to: id, publishTime: nil)
    }

    /// Moves the subscription to the first message published at or after `publishTime` (ms since the epoch).
    public func seek(toPublishTime publishTime: UInt64) async throws {
        try await consumerCore.seek(sources: Array(consumerCore.setup.sources.indices), to: nil, publishTime: publishTime)
    }

    /// The id of the last message stored on the (first) topic.
    public func lastMessageID() async throws -> MessageID { try await consumerCore.lastMessageID(source: 0) }

    /// Deletes the subscription on the broker and closes the consumer.
    ///
    /// - Throws: the broker's refusal (for example when other consumers are attached to a shared subscription).
    public func unsubscribe() async throws {
        try await consumerCore.unsubscribe()
        core.unregister(self)
    }

    /// Sends pending acknowledgements, closes the consumer on the broker, and ends ``messages``. Idempotent.
    public func close() async {
        await consumerCore.close()
        core.unregister(self)
    }

    func closeFromClient() async { await close() }
}

/// The messages of a ``Consumer`` or ``Reader`` as an `AsyncSequence`; ends when it is closed.
public struct MessageSequence: AsyncSequence, Sendable {
    /// The element type.
    public typealias Element = Message
    let core: ConsumerCore

    /// Iterates by calling `receive`.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let core: ConsumerCore

        /// The next message, or nil once the consumer is closed.
        public mutating func next() async throws -> Message? {
            do {
                return try await core.receive()
            } catch let error as PulsarClientError where error.code == .alreadyClosed {
                return nil
            }
        }
    }

    /// An iterator.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(core: core) }
}
