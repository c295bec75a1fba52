import Synchronization

/// A clock that moves only when told to, for tests: share one between a client (`ClientConfiguration.clock`) and an
/// emulator (`EmulatorConfiguration.clock`) and every timer of both waits for ``advance(by:)`` instead of real time.
///
/// ``advance(by:)`` moves the monotonic instant and the wall clock together and resumes, in deadline order, every
/// sleeper whose deadline it reaches. ``set(milliseconds:)`` jumps the wall clock alone, as an operator or NTP does.
/// ``nextWakeUp`` and ``advanceToNextWakeUp()`` let a harness play out pending timers one at a time.
public final class ManualClock: PulsarClock {
    private enum Sleeper {
        /// The continuation resumes with true when ``advance(by:)`` woke it (one unit of activity begun for it).
        case waiting(PulsarInstant, CheckedContinuation<Bool, any Error>)
        /// Cancelled before it was registered: the sleep must throw as soon as it tries.
        case cancelled
    }

    private struct State {
        var instant: PulsarInstant
        /// Wall time in nanoseconds since the epoch, so that sub-millisecond advances add up.
        var wallNanoseconds: Int64
        var sleepers: [UInt64: Sleeper] = [:]
        var nextSleeper: UInt64 = 0
        /// Told about sleepers woken but not yet running, and about sleeps announced but not yet registered.
        var activity: ActivityMonitor?

        var earliestDeadline: PulsarInstant? {
            sleepers.values.lazy.compactMap { sleeper -> PulsarInstant? in
                if case .waiting(let deadline, _) = sleeper { return deadline }
                return nil
            }.min()
        }
    }

    private let state: Mutex<State>

    /// Starts at `startMilliseconds` since the epoch on the wall clock (default: the current wall-clock time) and at
    /// ``PulsarInstant/zero`` on the monotonic one.
    public init(startMilliseconds: Int64 = SystemClock().now()) {
        state = Mutex(State(instant: .zero, wallNanoseconds: startMilliseconds &* 1_000_000))
    }

    /// The current monotonic instant.
    public var instant: PulsarInstant { state.withLock { $0.instant } }

    /// The wall-clock time in milliseconds since the epoch.
    public func now() -> Int64 {
        let nanoseconds = state.withLock { $0.wallNanoseconds }
        return nanoseconds >= 0 ? nanoseconds / 1_000_000 : (nanoseconds - 999_999) / 1_000_000
    }

    /// The earliest deadline a sleeper waits for, or nil when nothing sleeps on this clock.
    public var nextWakeUp: PulsarInstant? { state.withLock { $0.earliestDeadline } }

    /// How many tasks sleep on this clock.
    public var pendingSleepers: Int {
        state.withLock { state in state.sleepers.values.filter { if case .waiting = $0 { true } else { false } }.count }
    }

    /// Suspends until ``advance(by:)`` reaches `deadline` (returns at once when the clock already has).
    ///
    /// - Throws: `CancellationError` when the task is cancelled; the sleeper is removed at once.
    public func sleep(until deadline: PulsarInstant) async throws {
        if try await sleep(until: deadline, announced: false) { activity?.end() }
    }

    /// Reports to `monitor` from now on: a sleeper woken by ``advance(by:)`` counts as work in flight until its task
    /// runs again, so a harness waiting for quiescence does not miss what the wake-up does next.
    package func report(to monitor: ActivityMonitor) {
        state.withLock { $0.activity = monitor }
    }

    private var activity: ActivityMonitor? { state.withLock { $0.activity } }

    /// Announces a sleep that a task about to start will register: it counts as work in flight until
    /// ``sleep(until:announced:)`` registers it (or returns without sleeping), so that ``nextWakeUp`` is never read in
    /// the gap. Returns whether anything was counted (pass it as `announced`).
    package func announceSleeper() -> Bool {
        guard let activity else { return false }
        activity.begin()
        return true
    }

    /// Like ``sleep(until:)``; ends the unit an ``announceSleeper()`` began once the sleep is registered. Returns true
    /// when the caller now holds a unit of activity (the wake-up's) and must end it when done with what it does next.
    package func sleep(until deadline: PulsarInstant, announced: Bool) async throws -> Bool {
        let announcement = Announcement(activity: announced ? activity : nil)
        defer { announcement.settle() }
        try Task.checkCancellation()
        let id = state.withLock { state -> UInt64? in
            guard deadline > state.instant else { return nil }
            defer { state.nextSleeper &+= 1 }
            return state.nextSleeper
        }
        guard let id else { return false }
        let woken = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
                enum Registration { case registered, cancelled, due }
                let registration = state.withLock { state -> Registration in
                    if case .cancelled? = state.sleepers[id] {
                        state.sleepers[id] = nil
                        return .cancelled
                    }
                    guard deadline > state.instant else { return .due }  // the clock moved on meanwhile
                    state.sleepers[id] = .waiting(deadline, continuation)
                    return .registered
                }
                announcement.settle()
                switch registration {
                case .registered: break
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .due: continuation.resume(returning: false)
                }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Bool, any Error>? in
                switch state.sleepers[id] {
                case .waiting(_, let continuation)?:
                    state.sleepers[id] = nil
                    return continuation
                case .cancelled?:
                    return nil
                case nil:
                    state.sleepers[id] = .cancelled  // not registered yet (or already resumed; then dropped below)
                    return nil
                }
            }
            continuation?.resume(throwing: CancellationError())
        }
        // A sleep resumed by `advance` just before its task was cancelled leaves a `.cancelled` mark: drop it.
        state.withLock { state in
            if case .cancelled? = state.sleepers[id] { state.sleepers[id] = nil }
        }
        return woken
    }

    /// Moves the clock forward by `duration`: the monotonic instant and the wall clock alike. Every sleeper whose
    /// deadline is reached is resumed, earliest deadline first (ties in the order they went to sleep). A negative
    /// duration moves only the wall clock back, since monotonic time never goes backwards.
    public func advance(by duration: Duration) {
        let nanoseconds = duration.wholeNanoseconds
        guard nanoseconds > 0 else {
            state.withLock { $0.wallNanoseconds &+= nanoseconds }
            return
        }
        let (due, activity) = state.withLock { state -> ([CheckedContinuation<Bool, any Error>], ActivityMonitor?) in
            state.instant = state.instant + duration
            state.wallNanoseconds &+= nanoseconds
            let now = state.instant
            var due: [(deadline: PulsarInstant, id: UInt64, continuation: CheckedContinuation<Bool, any Error>)] = []
            for (id, sleeper) in state.sleepers {
                if case .waiting(let deadline, let continuation) = sleeper, deadline <= now {
                    due.append((deadline, id, continuation))
                }
            }
            for entry in due { state.sleepers[entry.id] = nil }
            return (due.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }.map(\.continuation), state.activity)
        }
        for continuation in due {
            activity?.begin()  // ended by the sleeper once its task runs
            continuation.resume(returning: true)
        }
    }

    /// Moves the clock forward (or, when negative, the wall clock alone backward) by `milliseconds`.
    public func advance(milliseconds: Int64) {
        advance(by: .milliseconds(milliseconds))
    }

    /// Sets the wall clock to `milliseconds` since the epoch, forward or backward, like a real clock jump: the
    /// monotonic instant does not move and no sleeper wakes.
    public func set(milliseconds: Int64) {
        state.withLock { $0.wallNanoseconds = milliseconds &* 1_000_000 }
    }

    /// Advances exactly to ``nextWakeUp``, resuming the sleepers due then. Returns false (and does not move) when
    /// nothing sleeps on this clock.
    @discardableResult
    public func advanceToNextWakeUp() -> Bool {
        guard let target = nextWakeUp else { return false }
        let step = state.withLock { target.nanoseconds - $0.instant.nanoseconds }
        if step > 0 { advance(by: .nanoseconds(step)) }
        return true
    }
}

/// The unit of activity an announced sleep holds until it is registered: ended exactly once.
private final class Announcement: Sendable {
    private let activity: Mutex<ActivityMonitor?>

    init(activity: ActivityMonitor?) { self.activity = Mutex(activity) }

    func settle() {
        activity.withLock { activity in
            defer { activity = nil }
            return activity
        }?.end()
    }
}

extension ManualClock {
    /// Ends the unit of activity a wake-up held (``sleep(until:announced:)`` returned true).
    package func endWakeUp() { activity?.end() }
}
