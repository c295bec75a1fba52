import PulsarNet
import Synchronization

/// Bytes waiting to go to one connection. The broker appends while it holds its state lock (so frames from
/// different handlers keep the order in which the broker produced them); `flush` hands them to the stream outside
/// that lock, under the outbox's own lock, so two flushers cannot swap the order either.
final class Outbox: Sendable {
    private struct Pending {
        var bytes: [UInt8] = []
        var closeAfterFlush = false
    }

    /// The connection's stream.
    let stream: any ByteStream
    private let pending = Mutex(Pending())
    /// One element each time the broker paused dispatch to this connection; the driver answers it once the peer has
    /// read enough (coalesced: at most one waits).
    let drainNotices: AsyncStream<Void>
    private let drainContinuation: AsyncStream<Void>.Continuation

    /// An outbox for `stream`.
    init(stream: any ByteStream) {
        self.stream = stream
        (drainNotices, drainContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Bytes queued here or in the stream and not yet taken by the peer.
    var unsentByteCount: Int {
        pending.withLock { $0.bytes.count } + stream.bufferedOutboundBytes
    }

    /// Asks the driver to tell the broker when the peer has read what is queued.
    func requestDrainNotice() {
        drainContinuation.yield()
    }

    /// No more drain notices (the connection is gone).
    func finishDrainNotices() {
        drainContinuation.finish()
    }

    /// Queues bytes (called with the broker lock held).
    func append(_ bytes: [UInt8]) {
        pending.withLock { pending in
            if pending.bytes.isEmpty { pending.bytes = bytes } else { pending.bytes.append(contentsOf: bytes) }
        }
    }

    /// Asks for the stream to be closed once what is queued has been written.
    func closeWhenFlushed() {
        pending.withLock { $0.closeAfterFlush = true }
    }

    /// Hands queued bytes to the stream (never suspends), then closes it if asked to.
    func flush() {
        pending.withLock { pending in
            if !pending.bytes.isEmpty {
                stream.enqueue(pending.bytes)
                pending.bytes = []
            }
            if pending.closeAfterFlush {
                pending.closeAfterFlush = false
                stream.closeAfterFlush()
            }
        }
    }
}
