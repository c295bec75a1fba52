/// The one source of time of the client and the emulator: a monotonic ``instant`` for deadlines, the wall clock for
/// timestamps, and a sleep that waits for an instant. ``SystemClock`` is real time; ``ManualClock`` moves only when
/// a test says so, and one `ManualClock` shared by a client and an emulator makes every timer of both virtual.
public protocol PulsarClock: Sendable {
    /// The current monotonic instant (deadlines, timeouts, delays).
    var instant: PulsarInstant { get }

    /// The wall-clock time in milliseconds since the Unix epoch (publish times, token expiry, delayed delivery).
    func now() -> Int64

    /// Suspends until the clock reaches `deadline`; returns at once when it already has.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled first. Never blocks a thread.
    func sleep(until deadline: PulsarInstant) async throws
}

extension PulsarClock {
    /// Suspends for `duration` of this clock's time.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: instant + duration)
    }
}

/// Real time: `ContinuousClock` for instants and sleeping (it keeps counting while the machine sleeps), the system's
/// wall clock (`CLOCK_REALTIME`) for ``now()``.
public struct SystemClock: PulsarClock {
    /// The `ContinuousClock` instant that is ``PulsarInstant/zero`` of every `SystemClock`.
    private static let origin = ContinuousClock.now

    /// Creates the system clock.
    public init() {}

    /// The current monotonic instant.
    public var instant: PulsarInstant {
        PulsarInstant(nanoseconds: (ContinuousClock.now - Self.origin).wholeNanoseconds)
    }

    /// Milliseconds since the Unix epoch, from `clock_gettime(CLOCK_REALTIME)`.
    public func now() -> Int64 { WallClock.milliseconds() }

    /// Sleeps with `Task.sleep` on the continuous clock until `deadline`.
    public func sleep(until deadline: PulsarInstant) async throws {
        try await Task.sleep(until: Self.origin.advanced(by: .nanoseconds(deadline.nanoseconds)), clock: .continuous)
    }
}
