import Synchronization

/// Counts the work in flight across several parts of one system (in-memory streams, a client's operations, an
/// event bus's handlers), so that a test harness can tell when the whole system is quiescent without sleeping.
///
/// Each part calls ``begin()`` when work starts and ``end()`` when it is done; any call also bumps ``generation``.
/// ``waitForChange(after:)`` suspends until the generation moves past the one a caller saw, so a harness re-checks
/// its conditions exactly when something happened:
///
/// ```
///   harness                         parts
///   ───────                         ─────
///   g = generation; busy == 0?  ◀── begin() / end() / touch()  (generation += 1, waiters resumed)
///   no: waitForChange(after: g)
/// ```
package final class ActivityMonitor: Sendable {
    private struct State {
        var busy = 0
        var generation: UInt64 = 0
        var nextWaiterID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
    }

    private let state = Mutex(State())

    /// A monitor with no work in flight.
    package init() {}

    /// Units of work in flight now.
    package var busy: Int { state.withLock { $0.busy } }

    /// Increases with every ``begin()``, ``end()`` and ``touch()``.
    package var generation: UInt64 { state.withLock { $0.generation } }

    /// The busy count and generation read together.
    package var snapshot: (busy: Int, generation: UInt64) {
        state.withLock { ($0.busy, $0.generation) }
    }

    /// A unit of work started.
    package func begin() { change(by: 1) }

    /// A unit of work finished.
    package func end() { change(by: -1) }

    /// Something happened that may matter to a waiter, with no work left in flight.
    package func touch() { change(by: 0) }

    private func change(by delta: Int) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.busy += delta
            precondition(state.busy >= 0, "ActivityMonitor: end() without begin()")
            state.generation &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Suspends until ``generation`` is greater than `seen` (at once if it already is). Throws `CancellationError`
    /// when the task is cancelled, so a caller bounds the wait with a deadline by cancelling it.
    package func waitForChange(after seen: UInt64) async throws {
        let id = state.withLock { state in
            state.nextWaiterID &+= 1
            return state.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate = state.withLock { state -> Result<Void, any Error>? in
                    if state.generation > seen { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }
}
