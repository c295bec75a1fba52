import Testing
@testable import PulsarNet

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

    @Test func anInMemoryDirectionIsBusyUntilItsReaderComesBackForMore() async throws {
        let monitor = ActivityMonitor()
        let (a, b) = InMemoryDuplex.makePair(activity: monitor)
        defer { a.close(); b.close() }
        #expect(monitor.busy == 0)
        #expect(a.enqueue([1, 2, 3]))
        #expect(monitor.busy == 1)
        #expect(try await b.read(maxLength: 2) == [1, 2])
        #expect(monitor.busy == 1, "a byte is still unread")
        #expect(try await b.read(maxLength: 2) == [3])
        #expect(monitor.busy == 1, "the reader is still working on what it took")
        let nextRead = Task { try await b.read(maxLength: 16) }
        await waitUntil("the reader came back for more") { monitor.busy == 0 }
        #expect(b.enqueue([9]), "the other direction")
        #expect(monitor.busy == 1)
        #expect(try await a.read(maxLength: 16) == [9])
        #expect(a.enqueue([4]))
        #expect(try await nextRead.value == [4])
        #expect(monitor.busy == 2, "both readers hold bytes")
        a.close()
        b.close()
        #expect(monitor.busy == 0, "closing ends all of it")
    }

    @Test func unreadBytesOfAClosedReceiverDoNotCount() {
        let monitor = ActivityMonitor()
        let (a, b) = InMemoryDuplex.makePair(activity: monitor)
        #expect(a.enqueue([1, 2, 3]))
        #expect(monitor.busy == 1)
        b.close()
        #expect(monitor.busy == 0)
        a.close()
        #expect(monitor.busy == 0)
    }
}
