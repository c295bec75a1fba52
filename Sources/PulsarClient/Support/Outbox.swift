import PulsarNet
import Synchronization

/// Frames waiting to be written to one connection, in order.
///
/// A producer or consumer appends frames while it holds its own lock (so frames leave in the order its state
/// machine produced them) and calls ``flush()`` after releasing it. `flush` hands everything queued to the stream
/// under the outbox's own write lock, so two flushers cannot swap frames either. Frames queued together are
/// coalesced into one write.
final class Outbox: Sendable {
    private let pending = Mutex<[[UInt8]]>([])
    private let writeLock = Mutex(())
    let stream: any ByteStream

    /// An outbox writing to `stream`.
    init(stream: any ByteStream) {
        self.stream = stream
    }

    /// Queues a frame (cheap; safe to call with other locks held).
    func append(_ bytes: [UInt8]) {
        pending.withLock { $0.append(bytes) }
    }

    /// Writes every queued frame, oldest first.
    func flush() {
        writeLock.withLock { _ in
            let chunks = pending.withLock { chunks -> [[UInt8]] in
                defer { chunks = [] }
                return chunks
            }
            guard !chunks.isEmpty else { return }
            if chunks.count == 1 {
                stream.enqueue(chunks[0])
                return
            }
            var joined: [UInt8] = []
            joined.reserveCapacity(chunks.reduce(0) { $0 + $1.count })
            for chunk in chunks { joined.append(contentsOf: chunk) }
            stream.enqueue(joined)
        }
    }
}
