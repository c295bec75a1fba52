import Testing
@testable import PulsarSupport

/// The activity monitor a test harness uses to tell when in-memory traffic and other work have stopped.
@Suite(.timeLimit(.minutes(1))) struct ActivityMonitorTests {
    @Test func beginAndEndCountWorkAndBumpTheGeneration() {
        let monitor = ActivityMonitor()
        #expect(monitor.snapshot == (0, 0))
        monitor.begin()
        monitor.begin()
        monitor.end()
        #expect(monitor.busy == 1)
        monitor.touch()
        #expect(monitor.snapshot == (1, 4))
    }

    @Test func waitForChangeReturnsAtOnceForAnOldGeneration() async throws {
        let monitor = ActivityMonitor()
        monitor.touch()
        try await monitor.waitForChange(after: 0)
    }

    @Test func waitForChangeResumesOnTheNextChange() async throws {
        let monitor = ActivityMonitor()
        let seen = monitor.generation
        async let waited: Void = monitor.waitForChange(after: seen)
        await Task.yield()
        monitor.begin()
        try await waited
        #expect(monitor.generation > seen)
    }

    @Test func cancellationEndsTheWait() async {
        let monitor = ActivityMonitor()
        let waiting = Task { try await monitor.waitForChange(after: monitor.generation) }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        monitor.touch()  // nothing left to resume
    }
}
