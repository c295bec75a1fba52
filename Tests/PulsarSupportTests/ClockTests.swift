import PulsarSupport
import Synchronization
import Testing

/// Waits (bounded in real time) until `condition` holds: for states that no event announces, such as a task having
/// gone to sleep on a manual clock.
func eventually(within limit: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        await Task.yield()
    }
    return true
}

/// Values recorded from several tasks.
final class Recorder: Sendable {
    private let values = Mutex<[Int]>([])
    func append(_ value: Int) { values.withLock { $0.append(value) } }
    var all: [Int] { values.withLock { $0 } }
}

@Suite("ManualClock", .timeLimit(.minutes(1)))
struct ManualClockTests {
    @Test("sleepers wake in deadline order, each exactly when the clock reaches its deadline")
    func sleepersInOrder() async throws {
        let clock = ManualClock(startMilliseconds: 1_000)
        let woken = Recorder()
        var tasks: [Task<Void, any Error>] = []
        for milliseconds in [30, 10, 20] {
            tasks.append(Task {
                try await clock.sleep(until: .zero + .milliseconds(milliseconds))
                woken.append(milliseconds)
            })
        }
        #expect(await eventually { clock.pendingSleepers == 3 })
        #expect(clock.nextWakeUp == .zero + .milliseconds(10))
        var order: [Int] = []
        while clock.advanceToNextWakeUp() {
            #expect(await eventually { woken.all.count == order.count + 1 })
            order = woken.all
            #expect(clock.instant == .zero + .milliseconds(order.last!))
        }
        #expect(order == [10, 20, 30])
        #expect(clock.now() == 1_030)
        #expect(clock.pendingSleepers == 0)
        #expect(clock.nextWakeUp == nil)
        for task in tasks { try await task.value }
    }

    @Test("one advance wakes every sleeper it passes and leaves the later ones asleep")
    func advancePastSeveral() async throws {
        let clock = ManualClock()
        let early = Task { try await clock.sleep(for: .seconds(1)) }
        let middle = Task { try await clock.sleep(for: .seconds(2)) }
        let late = Task { try await clock.sleep(for: .seconds(60)) }
        #expect(await eventually { clock.pendingSleepers == 3 })
        clock.advance(by: .milliseconds(2_500))
        try await early.value
        try await middle.value
        #expect(clock.pendingSleepers == 1)
        #expect(clock.nextWakeUp == .zero + .seconds(60))
        clock.advance(by: .seconds(57))
        #expect(clock.pendingSleepers == 1)
        clock.advance(milliseconds: 500)
        try await late.value
        #expect(clock.pendingSleepers == 0)
    }

    @Test("a cancelled sleeper is removed at once and throws CancellationError")
    func cancellation() async {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(60)) }
        #expect(await eventually { clock.pendingSleepers == 1 })
        sleeper.cancel()
        #expect(clock.pendingSleepers == 0)
        #expect(clock.nextWakeUp == nil)
        await #expect(throws: CancellationError.self) { try await sleeper.value }

        let alreadyCancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(1))
        }
        await #expect(throws: CancellationError.self) { try await alreadyCancelled.value }
        #expect(clock.pendingSleepers == 0)
        #expect(clock.advanceToNextWakeUp() == false)
    }

    @Test("sleeping until a deadline already reached returns at once, without a sleeper")
    func pastDeadline() async throws {
        let clock = ManualClock()
        clock.advance(by: .seconds(5))
        try await clock.sleep(until: .zero + .seconds(5))
        try await clock.sleep(until: .zero + .seconds(1))
        #expect(clock.pendingSleepers == 0)
    }

    @Test("set jumps the wall clock alone, forward or back; a negative advance moves only the wall clock back")
    func wallClockJumps() async throws {
        let clock = ManualClock(startMilliseconds: 10_000)
        let sleeper = Task { try await clock.sleep(for: .seconds(1)) }
        #expect(await eventually { clock.pendingSleepers == 1 })
        clock.set(milliseconds: 50_000)
        #expect(clock.now() == 50_000)
        clock.set(milliseconds: 2_000)
        #expect(clock.now() == 2_000)
        clock.advance(milliseconds: -500)
        #expect(clock.now() == 1_500)
        #expect(clock.instant == .zero)
        #expect(clock.pendingSleepers == 1)
        clock.advance(by: .seconds(1))
        try await sleeper.value
        #expect(clock.now() == 2_500)
    }

    @Test("sub-millisecond advances add up on the wall clock")
    func subMillisecondAdvances() {
        let clock = ManualClock(startMilliseconds: 0)
        clock.advance(by: .microseconds(600))
        #expect(clock.now() == 0)
        clock.advance(by: .microseconds(600))
        #expect(clock.now() == 1)
        #expect(clock.instant == .zero + .microseconds(1_200))
    }
}

@Suite("PulsarInstant and SystemClock", .timeLimit(.minutes(1)))
struct SystemClockTests {
    @Test("instant arithmetic: plus, minus, the duration between two instants")
    func instantArithmetic() {
        let start = PulsarInstant(nanoseconds: 5_000)
        let later = start + .milliseconds(3)
        #expect(later.nanoseconds == 3_005_000)
        #expect(later - start == .milliseconds(3))
        #expect(start.duration(to: later) == .milliseconds(3))
        #expect(later.duration(to: start) == .milliseconds(-3))
        #expect(later - .milliseconds(3) == start)
        #expect(start < later)
        #expect(Duration.seconds(Int64.max).wholeNanoseconds == Int64.max)
    }

    @Test("the system clock's instant never goes back, its sleep returns, and its wall clock is the epoch's")
    func systemClock() async throws {
        let clock = SystemClock()
        let first = clock.instant
        try await clock.sleep(until: first + .milliseconds(1))
        #expect(clock.instant >= first + .milliseconds(1))
        try await clock.sleep(until: first)  // already passed
        #expect(clock.now() > 1_600_000_000_000)
    }

    @Test("a cancelled system-clock sleep throws CancellationError")
    func systemClockCancellation() async {
        let clock = SystemClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(600)) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }
}

@Suite("DeadlineAlarm", .timeLimit(.minutes(1)))
struct DeadlineAlarmTests {
    @Test("the alarm sleeps only until its earliest deadline, is re-armed by an earlier one, and fires once")
    func rearming() async {
        let clock = ManualClock()
        let fired = Recorder()
        let alarm = DeadlineAlarm(clock: clock) { fired.append(1) }
        #expect(clock.pendingSleepers == 0)
        alarm.arm(at: .zero + .seconds(30))
        #expect(await eventually { clock.nextWakeUp == .zero + .seconds(30) })
        alarm.arm(at: .zero + .seconds(40))  // later: nothing changes
        alarm.arm(at: .zero + .seconds(10))  // earlier: the 30 s sleep is replaced
        #expect(await eventually { clock.nextWakeUp == .zero + .seconds(10) && clock.pendingSleepers == 1 })
        #expect(alarm.armedAt == .zero + .seconds(10))
        clock.advance(by: .seconds(10))
        #expect(await eventually { fired.all.count == 1 })
        #expect(alarm.armedAt == nil)
        #expect(alarm.fireCount == 1)
        #expect(clock.pendingSleepers == 0)
        alarm.arm(at: .zero + .seconds(20))
        #expect(await eventually { clock.pendingSleepers == 1 })
        alarm.stop()
        #expect(await eventually { clock.pendingSleepers == 0 })
        alarm.arm(at: .zero + .seconds(15))
        #expect(alarm.armedAt == nil)
        #expect(fired.all.count == 1)
    }
}
