import Synchronization

/// A suspended operation stored in an object's locked state, identified so that a late cancellation can never
/// resume a different (newer) operation.
struct Waiter: Sendable {
    /// Process-unique id of this suspension.
    let id: UInt64
    /// Resumed exactly once: by the owner (readiness, close) or by the cancellation handler.
    let continuation: UnsafeContinuation<Void, any Error>
}

private let waiterIDs = Atomic<UInt64>(1)

/// Suspends the current task until the waiter handed to `install` is resumed.
///
/// `install` runs synchronously while the task suspends. It must take the owner's lock and either store the waiter
/// and return nil, or return a result to resume with at once (it should return `.failure(CancellationError())` when
/// `Task.isCancelled`, checked under that lock). If the task is cancelled while suspended, `remove` is called with
/// the waiter's id: under the same lock it must take the waiter out of the state if (and only if) it is still there;
/// the waiter is then resumed with `CancellationError`. Together this resumes every continuation exactly once.
func suspend(
    install: (Waiter) -> Result<Void, any Error>?,
    remove: @escaping @Sendable (UInt64) -> Waiter?
) async throws {
    let id = waiterIDs.wrappingAdd(1, ordering: .relaxed).oldValue
    try await withTaskCancellationHandler {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            if let immediate = install(Waiter(id: id, continuation: continuation)) {
                continuation.resume(with: immediate)
            }
        }
    } onCancel: {
        remove(id)?.continuation.resume(throwing: CancellationError())
    }
}

extension Array where Element == Waiter {
    /// Removes and returns the waiter with `id`, if present.
    mutating func remove(id: UInt64) -> Waiter? {
        guard let index = firstIndex(where: { $0.id == id }) else { return nil }
        return remove(at: index)
    }

    /// Resumes every waiter normally.
    func resumeAll() {
        for waiter in self { waiter.continuation.resume() }
    }

    /// Resumes every waiter by throwing `error`.
    func resumeAll(throwing error: any Error) {
        for waiter in self { waiter.continuation.resume(throwing: error) }
    }
}
