import Synchronization

/// Frames waiting to be written to one connection, in order: the client's connections and the emulator's use it.
///
/// The owner fixes the order while it holds its own lock, either by appending bytes or by reserving a place
/// (``reserve()``) that it fills later, outside its lock (``fill(_:with:)``), so encoding does not hold the owner's
/// lock. ``flush()`` hands the filled places to the stream, oldest first, under the outbox's own write lock, and
/// stops at the first place not filled yet: two flushers cannot swap frames, and a slow encoder never lets a later
/// frame overtake its own. Frames flushed together are coalesced into one write.
///
/// ```
///  owner lock:   reserve #7   reserve #8        append #9
///  no lock:          fill #8 ──▶ flush: nothing (#7 missing)
///                fill #7 ─────▶ flush: #7 #8 #9 in one write
/// ```
package final class Outbox: Sendable {
    /// A place in the outbox's order, handed out by ``reserve()``.
    package struct Ticket: Sendable, Equatable {
        fileprivate let sequence: UInt64
    }

    private struct Pending {
        /// Places from `firstSequence` on; nil while reserved and not filled.
        var slots: [[UInt8]?] = []
        var firstSequence: UInt64 = 0
        var byteCount = 0
        var closeAfterFlush = false

        mutating func reserve() -> Ticket {
            slots.append(nil)
            return Ticket(sequence: firstSequence + UInt64(slots.count - 1))
        }

        mutating func fill(_ ticket: Ticket, with bytes: [UInt8]) {
            let index = Int(ticket.sequence - firstSequence)
            precondition(index >= 0 && index < slots.count && slots[index] == nil, "an outbox ticket filled twice")
            slots[index] = bytes
            byteCount += bytes.count
        }

        /// Removes and returns the filled places at the front, and whether nothing is left reserved.
        mutating func takeReady() -> (chunks: [[UInt8]], byteCount: Int, drained: Bool) {
            var ready = 0
            while ready < slots.count, slots[ready] != nil { ready += 1 }
            let chunks = slots[..<ready].map { $0! }
            let bytes = chunks.reduce(0) { $0 + $1.count }
            slots.removeFirst(ready)
            firstSequence += UInt64(ready)
            byteCount -= bytes
            return (chunks, bytes, slots.isEmpty)
        }
    }

    /// The connection's stream.
    package let stream: any ByteStream
    private let pending = Mutex(Pending())
    private let writeLock = Mutex(())

    /// An outbox writing to `stream`.
    package init(stream: any ByteStream) {
        self.stream = stream
    }

    /// Bytes queued here (filled) or in the stream and not yet taken by the peer.
    package var unsentByteCount: Int {
        // Under the write lock, so bytes a flush has taken out but not yet handed to the stream are counted.
        writeLock.withLock { _ in pending.withLock { $0.byteCount } + stream.bufferedOutboundBytes }
    }

    /// Queues a frame (cheap; safe to call with other locks held).
    package func append(_ bytes: [UInt8]) {
        pending.withLock { pending in
            let ticket = pending.reserve()
            pending.fill(ticket, with: bytes)
        }
    }

    /// Reserves the next place in the order, to be filled with ``fill(_:with:)`` (cheap; safe with other locks held).
    /// Every ticket must be filled, or nothing after it is ever written.
    package func reserve() -> Ticket {
        pending.withLock { $0.reserve() }
    }

    /// Fills a reserved place (with an empty array when there is nothing to send after all).
    package func fill(_ ticket: Ticket, with bytes: [UInt8]) {
        pending.withLock { $0.fill(ticket, with: bytes) }
    }

    /// Asks for the stream to be closed once every place queued so far has been written.
    package func closeWhenFlushed() {
        pending.withLock { $0.closeAfterFlush = true }
    }

    /// Hands every filled frame at the front to the stream, oldest first (never suspends), then closes the stream if
    /// asked to and nothing reserved is left.
    package func flush() {
        writeLock.withLock { _ in
            let (taken, close) = pending.withLock { pending -> ((chunks: [[UInt8]], byteCount: Int, drained: Bool), Bool) in
                let taken = pending.takeReady()
                let close = taken.drained && pending.closeAfterFlush
                if close { pending.closeAfterFlush = false }
                return (taken, close)
            }
            let chunks = taken.chunks.filter { !$0.isEmpty }
            if chunks.count == 1 {
                stream.enqueue(chunks[0])
            } else if chunks.count > 1 {
                var joined: [UInt8] = []
                joined.reserveCapacity(taken.byteCount)
                for chunk in chunks { joined.append(contentsOf: chunk) }
                stream.enqueue(joined)
            }
            if close { stream.closeAfterFlush() }
        }
    }
}
