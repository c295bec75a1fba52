import Synchronization

/// Frames waiting to be written to one connection, in order: the client's connections and the emulator's use it.
///
/// The owner appends while it holds its own lock (so frames leave in the order its state machine produced them) and
/// calls ``flush()`` after releasing it. `flush` hands everything queued to the stream under the outbox's own write
/// lock, so two flushers cannot swap frames either, while appending stays cheap: it never waits for a write. Frames
/// queued together are coalesced into one write.
package final class Outbox: Sendable {
    private struct Pending {
        var chunks: [[UInt8]] = []
        var byteCount = 0
        var closeAfterFlush = false
    }

    /// The connection's stream.
    package let stream: any ByteStream
    private let pending = Mutex(Pending())
    private let writeLock = Mutex(())

    /// An outbox writing to `stream`.
    package init(stream: any ByteStream) {
        self.stream = stream
    }

    /// Bytes queued here or in the stream and not yet taken by the peer.
    package var unsentByteCount: Int {
        // Under the write lock, so bytes a flush has taken out but not yet handed to the stream are counted.
        writeLock.withLock { _ in pending.withLock { $0.byteCount } + stream.bufferedOutboundBytes }
    }

    /// Queues a frame (cheap; safe to call with other locks held).
    package func append(_ bytes: [UInt8]) {
        pending.withLock { pending in
            pending.chunks.append(bytes)
            pending.byteCount += bytes.count
        }
    }

    /// Asks for the stream to be closed once what is queued has been written.
    package func closeWhenFlushed() {
        pending.withLock { $0.closeAfterFlush = true }
    }

    /// Hands every queued frame to the stream, oldest first (never suspends), then closes it if asked to.
    package func flush() {
        writeLock.withLock { _ in
            let taken = pending.withLock { pending -> Pending in
                defer { pending = Pending() }
                return pending
            }
            if taken.chunks.count == 1 {
                stream.enqueue(taken.chunks[0])
            } else if taken.chunks.count > 1 {
                var joined: [UInt8] = []
                joined.reserveCapacity(taken.byteCount)
                for chunk in taken.chunks { joined.append(contentsOf: chunk) }
                stream.enqueue(joined)
            }
            if taken.closeAfterFlush { stream.closeAfterFlush() }
        }
    }
}
