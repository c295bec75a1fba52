/// How a registered consumer behaves. The defaults are Coze Studio's Pulsar consumer: an Exclusive subscription named
/// after the group, starting at the latest message, one message at a time in order, acknowledged on success and
/// negatively acknowledged (redelivered after 60 s, without limit) on a handler error.
public struct EventConsumerOptions: Sendable {
    /// One message at a time, in order (true, the default); false handles up to ``maxConcurrentHandlers`` messages at
    /// once, never two with the same key at the same time.
    public var orderly = true
    /// Handlers running at once (including messages waiting for a busy key) when ``orderly`` is false. Default 16.
    public var maxConcurrentHandlers = 16
    /// Where a new subscription starts: `.latest` (Coze Studio's; messages published before the subscription first
    /// existed are not delivered) or `.earliest`.
    public var initialPosition: EventStartPosition = .latest
    /// Without a ``retry`` policy, a message whose handler failed is redelivered after this delay (60 s, the Go
    /// client's). On an Exclusive subscription the broker then redelivers every unacknowledged message of the consumer.
    public var nackRedeliveryDelay: Duration = .seconds(60)
    /// Bounded retries with backoff, then a dead-letter topic; nil (the default) retries without limit, as Coze does.
    public var retry: RetryPolicy?
    /// The wait after a failed receive, growing with consecutive failures (100 ms doubling to 10 s), instead of Coze's
    /// immediate retry.
    public var receiveErrorBackoff = EventBackoff(initial: .milliseconds(100), maximum: .seconds(10))
    /// Messages the broker may push ahead of the handler (the client's receiver queue). Default 1000.
    public var receiverQueueSize = 1000
    /// Acknowledgements are sent together at most this long after the first one (100 ms, the Go client's; zero sends
    /// each at once, which tests that look at the broker right after a handler returns want).
    public var ackGroupingInterval: Duration = .milliseconds(100)

    /// Test seam: wraps every receive (the receive-error backoff tests inject failures with it).
    var receiveInterceptor: (@Sendable (_ receive: @Sendable () async throws -> Message) async throws -> Message)?

    /// The defaults.
    public init() {}

    /// These options with `options` applied in order.
    public func applying(_ options: [EventConsumerOption]) -> EventConsumerOptions {
        var result = self
        for option in options { option.apply(to: &result) }
        return result
    }

    /// Checks the settings.
    ///
    /// - Throws: ``EventBusError/Code/invalidArgument`` naming the first bad setting.
    func validate() throws {
        func fail(_ message: String) -> EventBusError { EventBusError(.invalidArgument, message) }
        guard maxConcurrentHandlers >= 1 else { throw fail("maxConcurrentHandlers must be at least 1, got \(maxConcurrentHandlers)") }
        guard receiverQueueSize >= 1 else { throw fail("receiverQueueSize must be at least 1, got \(receiverQueueSize)") }
        guard nackRedeliveryDelay >= .zero else { throw fail("nackRedeliveryDelay must not be negative") }
        guard ackGroupingInterval >= .zero else { throw fail("ackGroupingInterval must not be negative") }
        try receiveErrorBackoff.validate("receiveErrorBackoff")
        if let retry {
            guard retry.maxRetries >= 1 else { throw fail("retry.maxRetries must be at least 1, got \(retry.maxRetries)") }
            try retry.backoff.validate("retry.backoff")
            for (name, topic) in [("deadLetterTopic", retry.deadLetterTopic), ("retryLetterTopic", retry.retryLetterTopic),
                                  ("deadLetterSubscription", retry.deadLetterSubscription)] {
                if let topic, topic.allSatisfy(\.isWhitespace) { throw fail("retry.\(name) must not be empty") }
            }
        }
    }

    /// Handlers allowed at once.
    var concurrency: Int { orderly ? 1 : maxConcurrentHandlers }
}

/// One consumer option, written inline like Coze Studio's `ConsumerOpt`: `options: .orderly(false)`. Each sets the
/// ``EventConsumerOptions`` field of the same name.
public enum EventConsumerOption: Sendable {
    /// ``EventConsumerOptions/orderly`` (Coze Studio's `WithConsumerOrderly`).
    case orderly(Bool)
    /// ``EventConsumerOptions/maxConcurrentHandlers``.
    case maxConcurrentHandlers(Int)
    /// ``EventConsumerOptions/initialPosition``.
    case initialPosition(EventStartPosition)
    /// ``EventConsumerOptions/nackRedeliveryDelay``.
    case nackRedeliveryDelay(Duration)
    /// ``EventConsumerOptions/retry``.
    case retry(RetryPolicy?)
    /// ``EventConsumerOptions/receiveErrorBackoff``.
    case receiveErrorBackoff(EventBackoff)
    /// ``EventConsumerOptions/receiverQueueSize``.
    case receiverQueueSize(Int)
    /// ``EventConsumerOptions/ackGroupingInterval``.
    case ackGroupingInterval(Duration)

    func apply(to options: inout EventConsumerOptions) {
        switch self {
        case .orderly(let value): options.orderly = value
        case .maxConcurrentHandlers(let value): options.maxConcurrentHandlers = value
        case .initialPosition(let value): options.initialPosition = value
        case .nackRedeliveryDelay(let value): options.nackRedeliveryDelay = value
        case .retry(let value): options.retry = value
        case .receiveErrorBackoff(let value): options.receiveErrorBackoff = value
        case .receiverQueueSize(let value): options.receiverQueueSize = value
        case .ackGroupingInterval(let value): options.ackGroupingInterval = value
        }
    }
}

/// Where a new subscription starts reading. Only a subscription's creation uses it: an existing subscription resumes
/// where it stopped.
public enum EventStartPosition: Sendable, Equatable {
    /// Only messages published after the subscription was created (Coze Studio's, Pulsar's default).
    case latest
    /// Every message the topic still stores.
    case earliest
}
