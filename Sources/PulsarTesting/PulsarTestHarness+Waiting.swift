import PulsarSupport

/// Awaiting instead of sleeping. Every wait re-checks when something changes in the system (a frame written or read,
/// a handler finished, a timer woke), falls back to a 50 ms poll for changes nothing reports (an external broker), and
/// gives up at a real-time deadline with a report of the system's state.
extension PulsarTestHarness {
    /// Yields the quiet system is given before it counts as quiescent: a task that was just handed work (the next
    /// message of a receive loop) runs and reports it within these.
    static let quiescenceYields = 50
    /// The poll that backs up change notifications.
    static let pollInterval: Duration = .milliseconds(50)

    /// Returns once `condition` holds, re-checking whenever the system changes. With `advancingTime` (in-process
    /// only), a quiescent system whose condition does not hold yet has its virtual clock moved to the next timer, so a
    /// condition that needs a nack delay, an ack timeout or a retry backoff to pass is met in milliseconds.
    ///
    /// - Parameters:
    ///   - what: what is awaited, for the failure message.
    ///   - timeout: the real-time deadline.
    ///   - advancingTime: move the virtual clock when nothing else can happen (ignored against an external broker,
    ///     where time passes by itself).
    ///   - condition: checked on the caller's task; it may read the harness, the emulator or the test's own state.
    /// - Throws: ``PulsarTestHarnessError/Code/timedOut`` with the state report; what `condition` throws.
    public func until(_ what: String = "the condition", timeout: Duration = .seconds(10), advancingTime: Bool = false,
                      _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let seen = monitor.generation
            if try condition() { return }
            if advancingTime, let clock {
                guard try await isQuiescent(deadline: deadline, what: "\(what) (within \(timeout))") else { continue }
                if try condition() { return }
                if clock.advanceToNextWakeUp() { continue }
            }
            try await waitForChange(after: seen, deadline: deadline, what: "\(what) (within \(timeout))")
        }
    }

    /// Returns when the system is quiescent: no frame in flight in either direction, no handler running, no message
    /// handed to a receive and not yet handled, no timer wake-up still running. Virtual time does not move.
    ///
    /// - Throws: ``PulsarTestHarnessError/Code/timedOut`` when the system is still busy at the deadline;
    ///   ``PulsarTestHarnessError/Code/unsupportedOnExternalBroker``.
    public func settle(timeout: Duration = .seconds(10)) async throws {
        try requireInProcess("settle()")
        let deadline = ContinuousClock.now + timeout
        while try await !isQuiescent(deadline: deadline, what: "quiescence (within \(timeout))") {}
    }

    /// Runs the system until nothing is left to do within `limit` of virtual time: whenever it is quiescent, the
    /// virtual clock jumps to the next timer, client or broker (nack delays, ack timeouts, retry backoffs, delayed
    /// delivery, token expiry), and the system runs again; it stops when the next timer lies beyond `limit` from the
    /// start. Returns the virtual time that passed.
    ///
    /// - Parameters:
    ///   - limit: how far virtual time may move (an hour by default; keep-alives are a day apart in the harness).
    ///   - timeout: the real-time deadline for the whole run.
    /// - Throws: ``PulsarTestHarnessError/Code/timedOut``, ``PulsarTestHarnessError/Code/stepLimitExceeded`` (more
    ///   than 100,000 timer jumps), ``PulsarTestHarnessError/Code/unsupportedOnExternalBroker``.
    @discardableResult
    public func runUntilIdle(limit: Duration = .seconds(3600), timeout: Duration = .seconds(30)) async throws -> Duration {
        try requireInProcess("runUntilIdle()")
        guard let clock else { return .zero }
        guard limit >= .zero else { throw PulsarTestHarnessError(.invalidArgument, "runUntilIdle needs a limit ≥ 0, got \(limit)") }
        let deadline = ContinuousClock.now + timeout
        let start = clock.instant
        let end = start + limit
        var steps = 0
        while true {
            while try await !isQuiescent(deadline: deadline, what: "runUntilIdle (within \(timeout))") {}
            guard let next = clock.nextWakeUp, next <= end else { break }
            steps += 1
            guard steps <= 100_000 else {
                throw PulsarTestHarnessError(.stepLimitExceeded, "runUntilIdle jumped to 100000 timers without becoming idle",
                                             report: stateReport())
            }
            clock.advanceToNextWakeUp()
        }
        return .nanoseconds(clock.instant.nanoseconds - start.nanoseconds)
    }

    /// Moves the virtual clock forward by `duration` in one step (every timer it reaches fires), then settles. A
    /// negative duration moves only the wall clock back, a clock jump (monotonic time never goes backwards).
    ///
    /// - Throws: what ``settle(timeout:)`` throws.
    public func advanceTime(by duration: Duration, timeout: Duration = .seconds(10)) async throws {
        try requireInProcess("advanceTime(by:)")
        clock?.advance(by: duration)
        try await settle(timeout: timeout)
    }

    /// Closes every client connection, as a broker restart does; the broker keeps its state and the clients
    /// reconnect (at once: the harness's clients have no initial reconnect backoff). Settles afterwards.
    ///
    /// - Throws: what ``settle(timeout:)`` throws.
    public func restartBroker(timeout: Duration = .seconds(10)) async throws {
        try requireInProcess("restartBroker()")
        emulator?.disconnectAllClients()
        try await settle(timeout: timeout)
    }

    // MARK: Internals

    func requireInProcess(_ call: String) throws {
        guard isInProcess else {
            throw PulsarTestHarnessError(.unsupportedOnExternalBroker,
                                         "\(call) needs the in-process emulator; the harness runs against \(serviceURL)")
        }
    }

    /// One quiescence check: true when nothing was busy and nothing changed across ``quiescenceYields`` yields;
    /// false after waiting for a change (the caller checks again).
    private func isQuiescent(deadline: ContinuousClock.Instant, what: String) async throws -> Bool {
        // Checked here too: a system that keeps changing without ever being busy (a timer re-armed for the instant it
        // fired at) would otherwise never reach a wait that checks it.
        guard ContinuousClock.now < deadline else {
            throw PulsarTestHarnessError(.timedOut, "gave up waiting for \(what)", report: stateReport())
        }
        let (busy, generation) = monitor.snapshot
        if busy == 0 {
            for _ in 0..<Self.quiescenceYields { await Task.yield() }
            let after = monitor.snapshot
            if after.busy == 0, after.generation == generation { return true }
            return false
        }
        try await waitForChange(after: generation, deadline: deadline, what: what)
        return false
    }

    /// Suspends until the monitor's generation passes `seen`, the poll interval ends, or the deadline passes (then
    /// throws the timeout with the state report).
    private func waitForChange(after seen: UInt64, deadline: ContinuousClock.Instant, what: String) async throws {
        let now = ContinuousClock.now
        guard now < deadline else {
            throw PulsarTestHarnessError(.timedOut, "gave up waiting for \(what)", report: stateReport())
        }
        let wait = min(Self.pollInterval, deadline - now)
        let monitor = monitor
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await monitor.waitForChange(after: seen) }
            group.addTask { try? await Task.sleep(for: wait) }
            await group.next()
            group.cancelAll()
        }
        try Task.checkCancellation()
    }
}
