/// A point on a ``PulsarClock``'s monotonic time line, in nanoseconds from the clock's own origin: what deadlines
/// are measured in. Instants of different clocks are not comparable in any meaningful way.
public struct PulsarInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the clock's origin.
    public let nanoseconds: Int64

    /// The instant `nanoseconds` after the clock's origin.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The clock's origin.
    public static let zero = PulsarInstant(nanoseconds: 0)

    /// The time from this instant to `other` (negative when `other` is earlier).
    public func duration(to other: PulsarInstant) -> Duration {
        .nanoseconds(other.nanoseconds &- nanoseconds)
    }

    /// The instant `duration` later.
    public static func + (instant: PulsarInstant, duration: Duration) -> PulsarInstant {
        PulsarInstant(nanoseconds: instant.nanoseconds &+ duration.wholeNanoseconds)
    }

    /// The instant `duration` earlier.
    public static func - (instant: PulsarInstant, duration: Duration) -> PulsarInstant {
        PulsarInstant(nanoseconds: instant.nanoseconds &- duration.wholeNanoseconds)
    }

    /// The time from `earlier` to `later` (negative when `later` is the earlier one).
    public static func - (later: PulsarInstant, earlier: PulsarInstant) -> Duration {
        earlier.duration(to: later)
    }

    /// Moves the instant `duration` later.
    public static func += (instant: inout PulsarInstant, duration: Duration) {
        instant = instant + duration
    }

    /// Whether `lhs` is earlier than `rhs`.
    public static func < (lhs: PulsarInstant, rhs: PulsarInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// The offset from the origin, for logs (`12.5 s`).
    public var description: String { "\(Double(nanoseconds) / 1e9) s" }
}

extension Duration {
    /// The duration in whole nanoseconds, rounded toward zero and clamped to `Int64` (about ±292 years).
    package var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, overflowSum) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowSum ? (seconds < 0 ? .min : .max) : total
    }
}
