import Synchronization

/// One message handed to a producer (or one flush), as the producer's state machine tracks it: it is first accepted
/// into the pending queue (at once, or once there is room), then settled with its id or an error.
final class SendCompletion: Sendable, Equatable {
    private struct State {
        var accepted = false
        var acceptanceWaiter: CheckedContinuation<Void, any Error>?
        var result: Result<MessageID, PulsarClientError>?
        var resultWaiters: [CheckedContinuation<MessageID, any Error>] = []
    }

    private let state = Mutex(State())
    private let callback: (@Sendable (Result<MessageID, PulsarClientError>) -> Void)?

    /// A completion awaited through ``messageID()``, or reported to `callback` (on the connection's I/O thread).
    init(callback: (@Sendable (Result<MessageID, PulsarClientError>) -> Void)? = nil) {
        self.callback = callback
    }

    /// Identity.
    static func == (lhs: SendCompletion, rhs: SendCompletion) -> Bool { lhs === rhs }

    /// The message got room in the pending queue.
    func accept() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            state.accepted = true
            defer { state.acceptanceWaiter = nil }
            return state.acceptanceWaiter
        }
        waiter?.resume()
    }

    /// Suspends until ``accept()`` (or a failure).
    func waitUntilAccepted() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { state -> Result<Void, PulsarClientError>? in
                if case .failure(let error) = state.result { return .failure(error) }
                if state.accepted || state.result != nil { return .success(()) }
                state.acceptanceWaiter = continuation
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    /// Settles the message.
    func complete(_ result: Result<MessageID, PulsarClientError>) {
        let (acceptance, waiters) = state.withLock { state -> (CheckedContinuation<Void, any Error>?, [CheckedContinuation<MessageID, any Error>]) in
            guard state.result == nil else { return (nil, []) }
            state.result = result
            defer {
                state.acceptanceWaiter = nil
                state.resultWaiters = []
            }
            return (state.acceptanceWaiter, state.resultWaiters)
        }
        switch result {
        case .success: acceptance?.resume()
        case .failure(let error): acceptance?.resume(throwing: error)
        }
        for waiter in waiters { waiter.resume(with: result.mapError { $0 as any Error }) }
        callback?(result)
    }

    /// Suspends until the message is settled.
    func messageID() async throws -> MessageID {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<MessageID, any Error>) in
            let result = state.withLock { state -> Result<MessageID, PulsarClientError>? in
                if let result = state.result { return result }
                state.resultWaiters.append(continuation)
                return nil
            }
            if let result { continuation.resume(with: result.mapError { $0 as any Error }) }
        }
    }

    /// The result, if settled.
    var result: Result<MessageID, PulsarClientError>? { state.withLock { $0.result } }
}

/// A message accepted by ``Producer/enqueue(_:options:)``: await ``messageID()`` for the broker's receipt.
public struct SendReceipt: Sendable {
    let completion: SendCompletion

    /// Suspends until the broker stored the message, and returns its id.
    ///
    /// - Throws: ``PulsarClientError`` if the message failed (send timeout, producer closed, broker refusal).
    public func messageID() async throws -> MessageID {
        try await completion.messageID()
    }

    /// The outcome, if already known.
    public var result: Result<MessageID, PulsarClientError>? { completion.result }
}
