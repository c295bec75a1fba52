import PulsarSupport
import Synchronization

/// Where the emulator reads the time: publish-time seeks, delayed delivery, keep-alive and token expiry all use it,
/// so a test can jump time instead of waiting.
public protocol EmulatorClock: Sendable {
    /// Milliseconds since the Unix epoch.
    func now() -> Int64
}

/// The system's wall clock.
public struct SystemClock: EmulatorClock {
    /// Creates the system clock.
    public init() {}
    /// Milliseconds since the Unix epoch, from `clock_gettime(CLOCK_REALTIME)`.
    public func now() -> Int64 { WallClock.milliseconds() }
}

/// A clock that only moves when told to. Pass it in the configuration, then call
/// ``PulsarEmulator/advanceTime(by:)`` (which also runs the timers that became due).
public final class ManualClock: EmulatorClock {
    private let current: Atomic<Int64>

    /// Starts at `startMilliseconds` since the epoch (default: the current wall-clock time).
    public init(startMilliseconds: Int64 = SystemClock().now()) {
        current = Atomic(startMilliseconds)
    }

    /// The clock's current time.
    public func now() -> Int64 { current.load(ordering: .acquiring) }

    /// Moves the clock forward (or backward, for clock-jump tests) by `milliseconds`.
    public func advance(milliseconds: Int64) {
        current.add(milliseconds, ordering: .releasing)
    }

    /// Sets the clock to an absolute time.
    public func set(milliseconds: Int64) {
        current.store(milliseconds, ordering: .releasing)
    }
}
