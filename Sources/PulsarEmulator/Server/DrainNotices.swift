/// One element each time the broker paused dispatch to a connection; the connection's driver answers it once the
/// peer has read enough (coalesced: at most one waits).
final class DrainNotices: Sendable {
    /// The notices, for the driver to iterate.
    let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    /// An open stream of notices.
    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks the driver to tell the broker when the peer has read what is queued.
    func request() {
        continuation.yield()
    }

    /// No more notices (the connection is gone).
    func finish() {
        continuation.finish()
    }
}
