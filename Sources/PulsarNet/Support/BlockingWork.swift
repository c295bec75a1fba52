import Synchronization

/// Runs blocking work (a `getaddrinfo` name lookup, a file read) on a thread of its own, so that no thread of Swift's
/// cooperative pool waits for it: the async caller suspends until the work finishes, its deadline passes, or its task
/// is cancelled, whichever comes first. (swift-nio offloads name resolution and file I/O the same way.)
///
/// Each call gets a fresh detached thread, so one lookup that hangs never delays the next. Work that outlives its
/// caller (deadline passed, task cancelled) runs to its end on that thread and its result is dropped.
package enum BlockingWork {
    /// Runs `work` on a thread of its own and returns its result.
    ///
    /// - Parameters:
    ///   - what: What the work does, for the timeout error ("resolving example.com").
    ///   - deadline: When to stop waiting, with `NetError.Code.timedOut`; nil waits as long as the work takes.
    /// - Throws: what `work` throws; `NetError` (`timedOut`) past `deadline`; `CancellationError` if the task is
    ///   cancelled first.
    package static func run<T: Sendable>(
        _ what: String, deadline: ContinuousClock.Instant? = nil, _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let outcome = Outcome<T>()
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<T, any Error>) in
                guard outcome.install(continuation) else { return }
                do {
                    _ = try LoopThread.start(name: "PulsarNet-block", detached: true) {
                        outcome.finish(Result { try work() })
                    }
                } catch {
                    outcome.finish(.failure(error))
                    return
                }
                if let deadline {
                    outcome.setTimer(Task {
                        guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
                        outcome.finish(.failure(NetError(code: .timedOut, message: "\(what) timed out")))
                    })
                }
            }
        } onCancel: {
            outcome.finish(.failure(CancellationError()))
        }
    }

    /// The one result a call resumes with: the work's, the deadline's or the cancellation's, whichever comes first.
    private final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var continuation: UnsafeContinuation<T, any Error>?
            /// Set when an outcome arrived before the continuation was installed (an early cancellation).
            var early: Result<T, any Error>?
            var finished = false
            var timer: Task<Void, Never>?
        }

        private let state = Mutex(State())

        /// Stores the continuation; false (after resuming it) if the call already finished.
        func install(_ continuation: UnsafeContinuation<T, any Error>) -> Bool {
            let early = state.withLock { state -> Result<T, any Error>? in
                if let early = state.early { return early }
                state.continuation = continuation
                return nil
            }
            guard let early else { return true }
            continuation.resume(with: early)
            return false
        }

        /// Keeps the deadline's timer so that an earlier outcome cancels it.
        func setTimer(_ timer: Task<Void, Never>) {
            let finished = state.withLock { state -> Bool in
                if !state.finished { state.timer = timer }
                return state.finished
            }
            if finished { timer.cancel() }
        }

        /// Resumes the caller with `result` unless an earlier outcome did.
        func finish(_ result: Result<T, any Error>) {
            let (continuation, timer) = state.withLock { state -> (UnsafeContinuation<T, any Error>?, Task<Void, Never>?) in
                guard !state.finished else { return (nil, nil) }
                state.finished = true
                defer { (state.continuation, state.timer) = (nil, nil) }
                if state.continuation == nil { state.early = result }
                return (state.continuation, state.timer)
            }
            timer?.cancel()
            continuation?.resume(with: result)
        }
    }
}
