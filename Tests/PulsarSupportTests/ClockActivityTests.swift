import PulsarSupport
import Synchronization
import Testing

/// A ManualClock reporting to an ActivityMonitor: woken sleepers and announced alarms count as work in flight, so a
/// harness never sees the system idle between a wake-up and what it does next.
@Suite("ManualClock activity", .timeLimit(.minutes(1)))
struct ClockActivityTests {
    @Test("a sleeper woken by advance counts until its task has run")
    func wokenSleeperCounts() async throws {
        let clock = ManualClock(startMilliseconds: 0)
        let monitor = ActivityMonitor()
        clock.report(to: monitor)
        let task = Task {
            try await clock.sleep(until: clock.instant + .seconds(1))
            #expect(monitor.busy == 0, "the unit ends as soon as the sleeper runs")
        }
        #expect(await eventually { clock.pendingSleepers == 1 })
        #expect(monitor.busy == 0, "a sleeping task is a timer, not work in flight")
        clock.advance(by: .seconds(1))
        #expect(monitor.generation > 0)
        try await task.value
        #expect(monitor.busy == 0)
    }

    @Test("a DeadlineAlarm counts from arming until its sleep is registered, and its wake-up until it fired")
    func alarmCountsAcrossItsGaps() async throws {
        let clock = ManualClock(startMilliseconds: 0)
        let monitor = ActivityMonitor()
        clock.report(to: monitor)
        let fired = Mutex(0)
        let busyWhenFiring = Mutex(-1)
        let alarm = DeadlineAlarm(clock: clock) {
            busyWhenFiring.withLock { $0 = monitor.busy }
            fired.withLock { $0 += 1 }
        }
        alarm.arm(at: clock.instant + .seconds(5))
        // Busy until the alarm's task registered its sleep: then, and only then, the clock shows the wake-up.
        #expect(await eventually { monitor.busy == 0 })
        #expect(clock.nextWakeUp == clock.instant + .seconds(5))
        clock.advance(by: .seconds(5))
        #expect(await eventually { fired.withLock { $0 } == 1 && monitor.busy == 0 })
        #expect(busyWhenFiring.withLock { $0 } == 1, "the wake-up is still counted while fire runs")
        alarm.stop()
    }

    @Test("without a monitor nothing is counted and sleeps behave as before")
    func noMonitor() async throws {
        let clock = ManualClock(startMilliseconds: 0)
        let task = Task { try await clock.sleep(until: clock.instant + .milliseconds(5)) }
        #expect(await eventually { clock.pendingSleepers == 1 })
        clock.advance(by: .milliseconds(5))
        try await task.value
    }
}
