import PulsarSupport
import Synchronization

/// Coze Studio's event bus on Pulsar: producers and consumers built from one base client configuration.
///
/// ```swift
/// let bus = try PulsarEventBus.fromEnvironment()      // COZE_MQ_TYPE=pulsar, MQ_NAME_SERVER, PULSAR_JWT_TOKEN
/// let producer = try await bus.makeProducer(topic: "opencoze_knowledge", group: "cg_knowledge")
/// let registration = try await bus.registerConsumer(topic: "opencoze_knowledge", group: "cg_knowledge") { message in
///     try await index(message.body)
/// }
/// ```
/// Every producer and every registration gets a client of its own (as in Coze Studio's Go implementation), made from
/// ``configuration`` with the service URL replaced by the name server asked for. ``configuration``'s service URL is
/// the default name server.
public final class PulsarEventBus: ConsumerService {
    /// The base of every client: connector, authentication, timeouts, logger …; its service URL is the default name
    /// server.
    public let configuration: ClientConfiguration
    /// Options every registration starts from, before its own options are applied.
    public let consumerDefaults: EventConsumerOptions
    /// How retry and receive-error backoffs wait.
    public let sleeper: EventBusSleeper
    private let observer: (@Sendable (EventBusEvent) -> Void)?

    private struct State {
        var closed = false
        var producers: [PulsarEventProducer] = []
        var registrations: [PulsarConsumerRegistration] = []
    }

    private let state = Mutex(State())

    /// An event bus whose clients are made from `configuration`.
    ///
    /// - Parameters:
    ///   - configuration: the base client configuration; its service URL is the default name server.
    ///   - consumerDefaults: the options every registration starts from.
    ///   - sleeper: how backoffs wait; `nil` sleeps on `configuration.clock`.
    ///   - observer: told about every event of every registration, on the task where it happens; it must not block.
    public init(configuration: ClientConfiguration, consumerDefaults: EventConsumerOptions = EventConsumerOptions(),
                sleeper: EventBusSleeper? = nil, observer: (@Sendable (EventBusEvent) -> Void)? = nil) {
        self.configuration = configuration
        self.consumerDefaults = consumerDefaults
        self.sleeper = sleeper ?? .on(configuration.clock)
        self.observer = observer
    }

    /// The producers made and not closed yet.
    public var producers: [PulsarEventProducer] { state.withLock { $0.producers }.filter { !$0.isClosed } }
    /// The registrations made and not stopped yet.
    public var registrations: [PulsarConsumerRegistration] { state.withLock { $0.registrations }.filter { !$0.isStopped } }

    // MARK: Producers

    /// A producer on `topic` of `nameServer`, named `<group>-producer` (Coze Studio's `NewProducer`).
    ///
    /// - Throws: ``EventBusError``: ``EventBusError/Code/invalidArgument`` for an empty name server, topic or group,
    ///   ``EventBusError/Code/invalidNameServer``, ``EventBusError/Code/producerBusy`` when another producer of the
    ///   group is connected to the topic, ``EventBusError/Code/producerCreationFailed``, ``EventBusError/Code/busClosed``.
    public func makeProducer(nameServer: String, topic: String, group: String) async throws -> PulsarEventProducer {
        try EventBusError.requireNonEmpty(["topic": topic, "group": group])
        let client = try makeClient(nameServer: nameServer)
        var options = ProducerOptions()
        options.name = PulsarEventProducer.name(group: group)
        let producer: Producer
        do {
            producer = try await client.makeProducer(topic: topic, options: options)
        } catch {
            await client.close()
            throw Self.creationError(error, topic: topic, group: group)
        }
        let eventProducer = PulsarEventProducer(topic: topic, group: group, client: client, producer: producer)
        guard track({ $0.producers.append(eventProducer) }) else {
            await eventProducer.close()
            throw Self.closedError
        }
        return eventProducer
    }

    /// A producer on `topic` of the default name server (``configuration``'s service URL).
    public func makeProducer(topic: String, group: String) async throws -> PulsarEventProducer {
        try await makeProducer(nameServer: configuration.serviceURL, topic: topic, group: group)
    }

    // MARK: Consumers

    /// Subscribes `group` to `topic` on `nameServer` (an Exclusive subscription named after the group) and hands every
    /// message to `handler` until the registration is stopped.
    ///
    /// Returns once the subscription exists on the broker. `options` apply on top of ``consumerDefaults``.
    /// - Throws: ``EventBusError``: ``EventBusError/Code/invalidArgument`` for an empty name server, topic or group or a
    ///   bad option, ``EventBusError/Code/invalidNameServer``, ``EventBusError/Code/consumerBusy`` when another consumer
    ///   of the group is attached, ``EventBusError/Code/subscribeFailed``, ``EventBusError/Code/busClosed``.
    public func registerConsumer(nameServer: String, topic: String, group: String, handler: any ConsumerHandler,
                                 options: [EventConsumerOption]) async throws -> PulsarConsumerRegistration {
        try EventBusError.requireNonEmpty(["topic": topic, "group": group])
        let resolved = consumerDefaults.applying(options)
        try resolved.validate()
        let client = try makeClient(nameServer: nameServer)
        let consumer: Consumer
        do {
            consumer = try await client.subscribe(topic: topic, subscription: group, options: resolved.clientOptions(group: group))
        } catch {
            await client.close()
            throw Self.subscribeError(error, topic: topic, group: group)
        }
        let monitor = RegistrationMonitor(topic: topic, group: group, observer: observer)
        let driver = RegistrationDriver(client: client, consumer: consumer, handler: handler, options: resolved,
                                        monitor: monitor, sleeper: sleeper, logger: configuration.logger,
                                        activity: configuration.activity)
        let registration = PulsarConsumerRegistration(topic: topic, group: group, options: resolved, driver: driver)
        guard track({ $0.registrations.append(registration) }) else {
            await registration.stop(deadline: .zero)
            throw Self.closedError
        }
        driver.start()
        return registration
    }

    /// Registers a consumer on the default name server (``configuration``'s service URL).
    public func registerConsumer(topic: String, group: String, handler: any ConsumerHandler,
                                 options: EventConsumerOption...) async throws -> PulsarConsumerRegistration {
        try await registerConsumer(nameServer: configuration.serviceURL, topic: topic, group: group, handler: handler,
                                   options: options)
    }

    /// Registers a closure on the default name server (``configuration``'s service URL).
    public func registerConsumer(topic: String, group: String, options: EventConsumerOption...,
                                 handler: @escaping @Sendable (EventMessage) async throws -> Void)
        async throws -> PulsarConsumerRegistration {
        try await registerConsumer(nameServer: configuration.serviceURL, topic: topic, group: group,
                                   handler: ClosureConsumerHandler(handler), options: options)
    }

    // MARK: Shutdown

    /// Stops every registration (each with `deadline` for its running handlers) and closes every producer; later
    /// calls to make producers or register consumers throw ``EventBusError/Code/busClosed``. Idempotent.
    public func shutdown(deadline: Duration = .seconds(30)) async {
        let (producers, registrations) = state.withLock { state in
            state.closed = true
            defer { state.producers = []; state.registrations = [] }
            return (state.producers, state.registrations)
        }
        await withTaskGroup(of: Void.self) { group in
            for registration in registrations { group.addTask { await registration.stop(deadline: deadline) } }
        }
        for producer in producers { await producer.close() }
    }

    // MARK: Helpers

    private func makeClient(nameServer: String) throws -> PulsarClient {
        if state.withLock({ $0.closed }) { throw Self.closedError }
        var clientConfiguration = configuration
        clientConfiguration.serviceURL = try NameServer.serviceURL(nameServer)
        do {
            return try PulsarClient(configuration: clientConfiguration)
        } catch let error as PulsarClientError {
            throw EventBusError(.invalidArgument, "the client configuration is invalid", underlying: error)
        }
    }

    /// Runs `change` unless the bus is closed (forgetting closed producers and stopped registrations); false when it is.
    private func track(_ change: (inout State) -> Void) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.producers.removeAll { $0.isClosed }
            state.registrations.removeAll { $0.isStopped }
            change(&state)
            return true
        }
    }

    private static let closedError = EventBusError(.busClosed, "the event bus was shut down")

    private static func creationError(_ error: any Error, topic: String, group: String) -> EventBusError {
        let clientError = error as? PulsarClientError
        if clientError?.code == .producerBusy {
            return EventBusError(.producerBusy, "a producer named \(PulsarEventProducer.name(group: group)) is already "
                + "connected to \(topic): is another replica of this service running?", underlying: clientError)
        }
        return EventBusError(.producerCreationFailed, "cannot create the producer of group \(group) on \(topic)",
                             underlying: clientError)
    }

    private static func subscribeError(_ error: any Error, topic: String, group: String) -> EventBusError {
        let clientError = error as? PulsarClientError
        if clientError?.code == .consumerBusy {
            return EventBusError(.consumerBusy, "the Exclusive subscription \(group) on \(topic) already has a consumer: "
                + "is another replica of this service running?", underlying: clientError)
        }
        return EventBusError(.subscribeFailed, "cannot subscribe \(group) to \(topic)", underlying: clientError)
    }
}

extension EventConsumerOptions {
    /// The client's consumer options: an Exclusive subscription; a retry policy turns on the client's dead-letter
    /// policy and retry-letter topic.
    func clientOptions(group: String) -> ConsumerOptions {
        var options = ConsumerOptions()
        options.subscriptionType = .exclusive
        options.initialPosition = initialPosition == .latest ? .latest : .earliest
        options.receiverQueueSize = receiverQueueSize
        options.ackGroupingInterval = ackGroupingInterval
        options.nackRedeliveryDelay = nackRedeliveryDelay
        if let retry {
            options.deadLetterPolicy = DeadLetterPolicy(maxRedeliverCount: retry.maxRetries,
                                                        deadLetterTopic: retry.deadLetterTopic,
                                                        retryLetterTopic: retry.retryLetterTopic,
                                                        initialSubscriptionName: retry.deadLetterSubscription ?? group)
            options.retryEnabled = true
        }
        return options
    }
}
