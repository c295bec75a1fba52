/// Registers consumers: Coze Studio's `eventbus.ConsumerService`, Swift-shaped. Unlike Coze's, registering returns a
/// handle that can stop the consumer.
///
/// ```swift
/// let registration = try await bus.registerConsumer(
///     nameServer: "pulsar://pulsar:6650", topic: "opencoze_knowledge", group: "cg_knowledge",
///     handler: KnowledgeEventHandler(), options: [.orderly(true)])
/// ```
public protocol ConsumerService: Sendable {
    /// What ``registerConsumer(nameServer:topic:group:handler:options:)`` returns.
    associatedtype Registration: ConsumerRegistration

    /// Subscribes `group` to `topic` on `nameServer` and hands every message to `handler` until stopped.
    ///
    /// Returns once the subscription exists on the broker: from then on every message published to `topic` is
    /// handled (a new subscription starts at the latest message).
    /// - Throws: ``EventBusError`` (``EventBusError/Code/invalidArgument`` for an empty name server, topic or group,
    ///   ``EventBusError/Code/consumerBusy`` when another consumer of the group is attached).
    func registerConsumer(nameServer: String, topic: String, group: String, handler: any ConsumerHandler,
                          options: [EventConsumerOption]) async throws -> Registration
}

/// A registered consumer: what ``ConsumerService/registerConsumer(nameServer:topic:group:handler:options:)`` returns.
public protocol ConsumerRegistration: Sendable {
    /// The topic, as configured.
    var topic: String { get }
    /// The group (the subscription's name).
    var group: String { get }
    /// Stops receiving, lets handlers already running finish within `deadline` (then cancels them), and closes the
    /// consumer without acknowledging anything it did not handle. Idempotent.
    func stop(deadline: Duration) async
}

/// Handles the events of one registration: Coze Studio's `eventbus.ConsumerHandler`.
///
/// Returning acknowledges the message; throwing hands it to the retry path (negative acknowledgement by default).
/// The task running the handler is cancelled when the registration's ``ConsumerRegistration/stop(deadline:)`` runs
/// out of time: check `Task.isCancelled` or use cancellable waits.
public protocol ConsumerHandler: Sendable {
    /// Handles one message.
    func handleMessage(_ message: EventMessage) async throws
}

/// A ``ConsumerHandler`` made from a closure.
///
/// ```swift
/// let handler = ClosureConsumerHandler { message in try await index(message.body) }
/// ```
public struct ClosureConsumerHandler: ConsumerHandler {
    private let body: @Sendable (EventMessage) async throws -> Void

    /// A handler that calls `body` for every message.
    public init(_ body: @escaping @Sendable (EventMessage) async throws -> Void) {
        self.body = body
    }

    /// Calls the closure.
    public func handleMessage(_ message: EventMessage) async throws {
        try await body(message)
    }
}

extension ConsumerService {
    /// Registers a consumer with options written inline: `options: .orderly(false), .retry(RetryPolicy(maxRetries: 3))`.
    public func registerConsumer(nameServer: String, topic: String, group: String, handler: any ConsumerHandler,
                                 options: EventConsumerOption...) async throws -> Registration {
        try await registerConsumer(nameServer: nameServer, topic: topic, group: group, handler: handler, options: options)
    }

    /// Registers a closure as the handler (see ``ClosureConsumerHandler``).
    public func registerConsumer(nameServer: String, topic: String, group: String, options: EventConsumerOption...,
                                 handler: @escaping @Sendable (EventMessage) async throws -> Void) async throws -> Registration {
        try await registerConsumer(nameServer: nameServer, topic: topic, group: group,
                                   handler: ClosureConsumerHandler(handler), options: options)
    }
}
