import Synchronization

/// A clock whose wall time can jump (a broker's NTP step, a VM resumed) while its monotonic ``instant`` keeps
/// running: ``now()`` is the base clock's plus an offset that ``jump(by:)`` moves. The emulator runs on one so a test
/// in another process can jump its clock through the admin port (`/pulsarkit/clock/jump`).
public final class JumpableClock: PulsarClock {
    /// The clock underneath.
    public let base: any PulsarClock
    private let offset = Atomic<Int64>(0)

    /// Wraps `base` with no offset.
    public init(base: any PulsarClock = SystemClock()) {
        self.base = base
    }

    /// The base clock's monotonic instant: a wall-clock jump does not move deadlines.
    public var instant: PulsarInstant { base.instant }

    /// The base clock's wall time plus the jumps so far.
    public func now() -> Int64 { base.now() + offset.load(ordering: .relaxed) }

    /// The sum of the jumps so far, in milliseconds.
    public var offsetMilliseconds: Int64 { offset.load(ordering: .relaxed) }

    /// Moves the wall time by `milliseconds` (negative jumps back).
    public func jump(by milliseconds: Int64) {
        offset.add(milliseconds, ordering: .relaxed)
    }

    /// Sleeps on the base clock.
    public func sleep(until deadline: PulsarInstant) async throws {
        try await base.sleep(until: deadline)
    }
}
