import PulsarSupport

/// Counters of one registration, as a service exports them.
public struct EventBusCounters: Sendable, Equatable, CustomStringConvertible {
    /// Messages received from the broker.
    public var received = 0
    /// Messages whose handler returned (and that were acknowledged).
    public var handled = 0
    /// Handler errors.
    public var failed = 0
    /// Failed messages sent back for another attempt (negatively acknowledged, or through the retry-letter topic).
    public var retried = 0
    /// Failed messages published to the dead-letter topic.
    public var deadLettered = 0
    /// Messages received but not handled because the registration stopped (neither acknowledged nor negatively
    /// acknowledged: the broker delivers them again to the next consumer).
    public var abandoned = 0

    /// All zero.
    public init() {}

    /// `received 3, handled 2, failed 1, …`.
    public var description: String {
        "received \(received), handled \(handled), failed \(failed), retried \(retried), dead-lettered \(deadLettered), abandoned \(abandoned)"
    }
}

/// Something that happened in a registration, for observers and test harnesses.
public struct EventBusEvent: Sendable, CustomStringConvertible {
    /// What happened.
    public enum Kind: String, Sendable, Equatable {
        /// A message was received from the broker.
        case received
        /// Its handler started.
        case started
        /// Its handler returned; the message was acknowledged.
        case handled
        /// Its handler threw (``EventBusEvent/error`` says what).
        case failed
        /// It was sent back for another attempt.
        case retried
        /// It was published to the dead-letter topic.
        case deadLettered
        /// The registration stopped before handling it; it was left for the broker to deliver again.
        case abandoned
        /// A receive failed (``EventBusEvent/error``); the registration waits and receives again.
        case receiveFailed
        /// ``ConsumerRegistration/stop(deadline:)`` began: nothing more is received; running handlers may finish.
        case stopping
        /// The registration stopped and closed its consumer.
        case stopped
    }

    /// What happened.
    public var kind: Kind
    /// The registration's topic, as configured.
    public var topic: String
    /// The registration's group.
    public var group: String
    /// The message concerned (nil for ``Kind/receiveFailed``, ``Kind/stopping`` and ``Kind/stopped``).
    public var messageID: MessageID?
    /// Its key.
    public var key: String?
    /// The error, for ``Kind/failed`` and ``Kind/receiveFailed``.
    public var error: String?
    /// The registration's counters after this event.
    public var counters: EventBusCounters
    /// Handlers running after this event.
    public var runningHandlers: Int

    /// `failed 3:0:-1:-1 on opencoze_knowledge/cg_knowledge: …`.
    public var description: String {
        "\(kind.rawValue) \(messageID.map { "\($0) " } ?? "")on \(topic)/\(group)\(error.map { ": \($0)" } ?? "")"
    }
}

/// How the event bus waits for retry backoff and receive-error backoff. By default it sleeps on the clock of the bus's
/// client configuration, so a bus made with a ``ManualClock`` backs off in virtual time. The sleep must throw when its
/// task is cancelled.
public struct EventBusSleeper: Sendable {
    /// Sleeps for the duration.
    public let sleep: @Sendable (Duration) async throws -> Void

    /// A sleeper calling `sleep`.
    public init(_ sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.sleep = sleep
    }

    /// `Task.sleep(for:)` on the continuous clock.
    public static let realTime = EventBusSleeper { duration in try await Task.sleep(for: duration) }

    /// Sleeps on `clock` (a ``ManualClock`` makes every backoff virtual).
    public static func on(_ clock: any PulsarClock) -> EventBusSleeper {
        EventBusSleeper { duration in try await clock.sleep(for: duration) }
    }
}
