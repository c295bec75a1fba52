/// Bounded retries with backoff, then a dead-letter topic, with the topic names and properties Pulsar clients use.
///
/// A message whose handler failed waits ``backoff`` (its handler slot stays busy, so an orderly consumer waits too),
/// then goes through the retry-letter topic (`<topic>-<group>-RETRY`, consumed by the same registration) with its
/// count in the `RECONSUMETIMES` property, and the original is acknowledged. Once it failed ``maxRetries`` more times
/// it is published to the dead-letter topic (`<topic>-<group>-DLQ`) instead. The count travels with the message, so it
/// survives restarts and moves between replicas.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first failure before the message is dead-lettered (at least 1).
    public var maxRetries: Int
    /// The wait before each retry: ``EventBackoff/initial`` before the first, growing to ``EventBackoff/maximum``.
    public var backoff: EventBackoff
    /// The dead-letter topic; `<topic>-<group>-DLQ` when nil.
    public var deadLetterTopic: String?
    /// The retry-letter topic; `<topic>-<group>-RETRY` when nil.
    public var retryLetterTopic: String?
    /// The subscription created on the dead-letter topic with its producer, so dead letters are kept until read; the
    /// group's name when nil.
    public var deadLetterSubscription: String?

    /// A policy; the backoff defaults to 1 s doubling to 60 s.
    public init(maxRetries: Int, backoff: EventBackoff = EventBackoff(initial: .seconds(1), maximum: .seconds(60)),
                deadLetterTopic: String? = nil, retryLetterTopic: String? = nil, deadLetterSubscription: String? = nil) {
        self.maxRetries = maxRetries
        self.backoff = backoff
        self.deadLetterTopic = deadLetterTopic
        self.retryLetterTopic = retryLetterTopic
        self.deadLetterSubscription = deadLetterSubscription
    }
}

/// A delay that grows with each consecutive attempt: `initial * multiplier^(attempt - 1)`, at most `maximum`. No
/// jitter, so tests can predict it.
public struct EventBackoff: Sendable, Equatable {
    /// The first delay.
    public var initial: Duration
    /// The largest delay.
    public var maximum: Duration
    /// The growth per attempt (at least 1).
    public var multiplier: Double

    /// A backoff from `initial` to `maximum`, doubling by default.
    public init(initial: Duration, maximum: Duration, multiplier: Double = 2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The delay before attempt `attempt` (1 = the first retry).
    public func delay(attempt: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(attempt, 1) {
            delay = delay * multiplier
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }

    func validate(_ name: String) throws {
        guard initial >= .zero, maximum >= initial, multiplier >= 1 else {
            throw EventBusError(.invalidArgument,
                                "\(name): need 0 <= initial <= maximum and multiplier >= 1, got \(initial), \(maximum), \(multiplier)")
        }
    }
}
