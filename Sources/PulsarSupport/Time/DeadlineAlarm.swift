import Synchronization

/// One re-armable wake-up on a ``PulsarClock``: the client's timer and the emulator's timer loop each own one. It
/// sleeps until the earliest deadline it was armed for, then calls `fire` once; `fire` arms it again for whatever
/// is due next. Arming for a later deadline than the armed one changes nothing (waking early is harmless: the owner
/// finds nothing due and arms again). With nothing armed no task sleeps, so an idle owner costs no wake-ups.
package final class DeadlineAlarm: Sendable {
    private struct State {
        var armedAt: PulsarInstant?
        var sleeper: Task<Void, Never>?
        var generation: UInt64 = 0
        var stopped = false
    }

    private let clock: any PulsarClock
    private let fire: @Sendable () -> Void
    private let state = Mutex(State())
    private let firings = Atomic<Int>(0)

    /// An alarm on `clock` that calls `fire` (on a task of its own) when an armed deadline is reached.
    package init(clock: any PulsarClock, fire: @escaping @Sendable () -> Void) {
        self.clock = clock
        self.fire = fire
    }

    /// The deadline the alarm sleeps until, if any.
    package var armedAt: PulsarInstant? { state.withLock { $0.armedAt } }

    /// How many times the alarm has fired (a test's measure of wake-ups).
    package var fireCount: Int { firings.load(ordering: .relaxed) }

    /// Wakes at `deadline` unless armed for an earlier one already.
    package func arm(at deadline: PulsarInstant) {
        let replaced = state.withLock { state -> Task<Void, Never>? in
            guard !state.stopped else { return nil }
            if let armed = state.armedAt, armed <= deadline { return nil }
            state.armedAt = deadline
            state.generation &+= 1
            let generation = state.generation
            let previous = state.sleeper
            // On a ManualClock the sleep counts as work in flight from now until it is registered, and its wake-up
            // until `fire` has run, so a harness never sees the system idle while this alarm is between the two.
            let manual = clock as? ManualClock
            let announced = manual?.announceSleeper() ?? false
            state.sleeper = Task.detached { [weak self, clock] in
                var held = false
                do {
                    if let manual { held = try await manual.sleep(until: deadline, announced: announced) }
                    else { try await clock.sleep(until: deadline) }
                } catch { return }
                self?.fired(generation)
                if held { manual?.endWakeUp() }
            }
            return previous
        }
        replaced?.cancel()
    }

    private func fired(_ generation: UInt64) {
        let current = state.withLock { state -> Bool in
            guard !state.stopped, state.generation == generation else { return false }
            state.armedAt = nil
            state.sleeper = nil
            return true
        }
        guard current else { return }
        firings.add(1, ordering: .relaxed)
        fire()
    }

    /// Cancels the pending sleep; the alarm never fires again.
    package func stop() {
        let sleeper = state.withLock { state -> Task<Void, Never>? in
            state.stopped = true
            state.armedAt = nil
            defer { state.sleeper = nil }
            return state.sleeper
        }
        sleeper?.cancel()
    }
}
