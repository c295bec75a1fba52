import PulsarSupport
import Synchronization

/// Something the client's timer drives: batch delays, ack grouping, redelivery delays, request deadlines.
protocol Tickable: AnyObject, Sendable {
    /// Time passed: runs what is due at `now` and returns the next deadline its state machine reports (nil: none).
    /// Must not block.
    func tick(now: PulsarInstant) -> PulsarInstant?
}

/// The client's one timer. It sleeps on the configured clock until the earliest deadline its registered objects
/// reported, ticks the objects that are due, and sleeps again until the next one. An operation that creates an
/// earlier deadline (a new batch, a nack, a request) reports it with ``schedule(_:at:)`` and the timer is re-armed.
/// With no deadline anywhere it does not wake at all. Objects are held weakly.
final class ClientTimer: Sendable {
    private struct Entry {
        weak var target: (any Tickable)?
        var deadline: PulsarInstant?
    }

    let clock: any PulsarClock
    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])
    private let alarm: DeadlineAlarm
    private let alarmOwner: WeakTimer

    /// A timer on `clock`, idle until something is scheduled.
    init(clock: any PulsarClock) {
        self.clock = clock
        let owner = WeakTimer()
        alarm = DeadlineAlarm(clock: clock) { owner.timer?.fire() }
        alarmOwner = owner
        owner.timer = self
    }

    /// How many times the timer has woken up (for tests: an idle client wakes only for keep-alive).
    var wakeUpCount: Int { alarm.fireCount }

    /// The deadline the timer sleeps until, if any.
    var nextWakeUp: PulsarInstant? { alarm.armedAt }

    /// Drives `target` from now on, until it is unregistered or released; it has no deadline until it schedules one.
    func register(_ target: any Tickable) {
        entries.withLock { entries in
            let id = ObjectIdentifier(target)
            if entries[id]?.target == nil { entries[id] = Entry(target: target) }
        }
    }

    /// `target` has something due at `deadline` (it reports only deadlines earlier than the one it reported last).
    func schedule(_ target: any Tickable, at deadline: PulsarInstant) {
        let registered = entries.withLock { entries -> Bool in
            let id = ObjectIdentifier(target)
            guard entries[id]?.target != nil else { return false }
            entries[id]!.deadline = min(entries[id]!.deadline ?? deadline, deadline)
            return true
        }
        if registered { alarm.arm(at: deadline) }
    }

    /// Stops driving `target`.
    func unregister(_ target: any Tickable) {
        entries.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(target)) }
    }

    /// Stops the timer for good.
    func stop() {
        alarm.stop()
    }

    /// The alarm went off: tick every object that is due, then sleep until the earliest deadline left.
    private func fire() {
        let now = clock.instant
        let due = entries.withLock { entries -> [(ObjectIdentifier, any Tickable)] in
            var due: [(ObjectIdentifier, any Tickable)] = []
            for (id, entry) in entries {
                guard let target = entry.target else {
                    entries[id] = nil
                    continue
                }
                if let deadline = entry.deadline, deadline <= now {
                    entries[id]!.deadline = nil  // a `schedule` during the tick below lands here and is kept
                    due.append((id, target))
                }
            }
            return due
        }
        for (id, target) in due {
            // A deadline at or before `now` that the tick did not clear would wake the timer in a loop: retry later.
            let next = target.tick(now: now).map { max($0, now + .milliseconds(1)) }
            entries.withLock { entries in
                guard entries[id]?.target != nil, let next else { return }
                entries[id]!.deadline = min(entries[id]!.deadline ?? next, next)
            }
        }
        let earliest = entries.withLock { $0.values.compactMap(\.deadline).min() }
        if let earliest { alarm.arm(at: earliest) }
    }
}

/// Lets the alarm call back into its timer without keeping it alive.
private final class WeakTimer: @unchecked Sendable {
    // Written once in `ClientTimer.init` before the alarm can fire, read only afterwards.
    weak var timer: ClientTimer?
}

/// What a driver remembers of the deadline it last reported to the timer, so that it reports only earlier ones
/// (kept under the driver's own lock, next to its state machine).
struct ReportedDeadline {
    private var reported: PulsarInstant?

    /// The deadline to report to the timer, if `next` is earlier than what the timer already knows.
    mutating func report(_ next: PulsarInstant?) -> PulsarInstant? {
        guard let next else { return nil }
        if let reported, reported <= next { return nil }
        reported = next
        return next
    }

    /// The timer ticked the driver, which now reports `next` as its deadline.
    mutating func ticked(_ next: PulsarInstant?) -> PulsarInstant? {
        reported = next
        return next
    }
}
