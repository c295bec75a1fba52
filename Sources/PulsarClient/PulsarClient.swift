import PulsarWire

/// A Pulsar client: one per application, shared by every producer, consumer and reader it creates.
///
/// ```swift
/// let client = try PulsarClient(serviceURL: "pulsar://localhost:6650")
/// let producer = try await client.makeProducer(topic: "orders")
/// try await producer.send(Array("hello".utf8))
/// let consumer = try await client.subscribe(topic: "orders", subscription: "billing")
/// let message = try await consumer.receive()
/// try consumer.acknowledge(message)
/// await client.close()
/// ```
/// The client connects lazily (on the first producer, consumer or reader), keeps one connection per broker, and
/// re-establishes producers and consumers transparently when a connection drops.
public final class PulsarClient: Sendable {
    let core: ClientCore

    /// A client for `configuration`; nothing is connected until it is first used.
    ///
    /// - Throws: ``PulsarClientError/Code/invalidConfiguration`` for a bad service URL or setting.
    public init(configuration: ClientConfiguration) throws {
        core = try ClientCore(configuration: configuration)
    }

    /// A client for `serviceURL` with the default settings.
    public convenience init(serviceURL: String) throws {
        try self.init(configuration: ClientConfiguration(serviceURL: serviceURL))
    }

    /// A client that has already connected to (and authenticated with) a broker of the service URL.
    ///
    /// - Throws: ``PulsarClientError`` when no broker accepts the connection within the operation timeout.
    public static func connect(_ configuration: ClientConfiguration) async throws -> PulsarClient {
        let client = try PulsarClient(configuration: configuration)
        do {
            _ = try await client.core.retrying("connecting to \(configuration.serviceURL)") {
                try await client.core.lookup.serviceConnection().0.address
            }
        } catch {
            await client.close()
            throw error
        }
        return client
    }

    /// The client's settings.
    public var configuration: ClientConfiguration { core.configuration }

    /// Whether ``close()`` was called.
    public var isClosed: Bool { core.isClosed }

    /// Creates a producer on `topic` (every partition of a partitioned topic).
    ///
    /// - Throws: ``PulsarClientError`` — ``PulsarClientError/Code/producerBusy`` when the name is taken,
    ///   ``PulsarClientError/Code/invalidTopicName``, ``PulsarClientError/Code/invalidConfiguration``, connection or
    ///   broker errors.
    public func makeProducer(topic: String, options: ProducerOptions = ProducerOptions()) async throws -> Producer {
        try await core.makeProducer(topic: topic, options: options)
    }

    /// Subscribes to `topic` (every partition of a partitioned topic).
    ///
    /// - Throws: ``PulsarClientError`` — ``PulsarClientError/Code/consumerBusy`` when an Exclusive subscription
    ///   already has a consumer (or the subscription has another type), connection or broker errors.
    public func subscribe(topic: String, subscription: String,
                          options: ConsumerOptions = ConsumerOptions()) async throws -> Consumer {
        try await subscribe(topics: [topic], subscription: subscription, options: options)
    }

    /// Subscribes to several topics with one consumer (one subscription name on each topic).
    public func subscribe(topics: [String], subscription: String,
                          options: ConsumerOptions = ConsumerOptions()) async throws -> Consumer {
        let consumerCore = try await core.makeConsumerCore(topics: topics, subscription: subscription, options: options)
        let consumer = Consumer(topics: try topics.map { try TopicName(validating: $0).description }, subscription: subscription,
                                consumerCore: consumerCore, core: core)
        do {
            try core.register(consumer)
        } catch {
            await consumer.close()
            throw error
        }
        return consumer
    }

    /// Creates a reader of `topic` starting at `startMessageID` (``MessageID/earliest``, ``MessageID/latest`` or
    /// the id of a message, which is read only with ``ReaderOptions/startMessageIdInclusive``).
    public func makeReader(topic: String, startMessageID: MessageID,
                           options: ReaderOptions = ReaderOptions()) async throws -> Reader {
        var consumerOptions = ConsumerOptions()
        consumerOptions.subscriptionType = .exclusive
        consumerOptions.receiverQueueSize = options.receiverQueueSize
        consumerOptions.readCompacted = options.readCompacted
        consumerOptions.consumerName = ""
        let name = options.subscriptionName ?? "reader-\(ConsumerCore.randomName())"
        let consumerCore = try await core.makeConsumerCore(
            topics: [topic], subscription: name, options: consumerOptions, durable: false, readerStart: startMessageID,
            readerStartInclusive: options.startMessageIdInclusive)
        var latestAtStart = [MessageID?](repeating: nil, count: consumerCore.setup.sources.count)
        if startMessageID == .latest {
            for index in latestAtStart.indices {
                if let last = try? await consumerCore.lastMessageID(source: index), last.ledgerId >= 0, last.entryId >= 0 {
                    latestAtStart[index] = last
                }
            }
        }
        let reader = Reader(topic: try TopicName(validating: topic).description, consumerCore: consumerCore, core: core,
                            start: startMessageID, startInclusive: options.startMessageIdInclusive,
                            latestAtStart: latestAtStart)
        do {
            try core.register(reader)
        } catch {
            await reader.close()
            throw error
        }
        return reader
    }

    /// The partition names of `topic`, or `[topic]` when it is not partitioned.
    public func partitions(of topic: String) async throws -> [String] {
        try await core.sources(of: try TopicName(validating: topic).description).map(\.topic)
    }

    /// Closes every producer (after flushing), consumer and reader, then every connection. Idempotent.
    public func close() async {
        await core.close()
    }
}
