/// A FIFO of byte chunks: the outbound buffer of a TCP connection and the in-flight bytes of an in-memory pipe.
///
/// Large chunks are kept as the caller's arrays (no copy); small ones are coalesced into the last chunk so that many
/// tiny writes become few large sends. Removing from the front is O(1) amortized.
struct ByteQueue {
    /// Chunks smaller than this are merged into a small last chunk instead of being queued on their own.
    static let coalesceLimit = 16 * 1024

    private var chunks: [[UInt8]] = []
    private var head = 0
    private var headOffset = 0
    /// The number of queued bytes.
    private(set) var count = 0

    /// True when no bytes are queued.
    var isEmpty: Bool { count == 0 }

    /// Appends `bytes`, skipping their first `skipping` bytes (already sent).
    mutating func append(_ bytes: [UInt8], skipping: Int = 0) {
        let length = bytes.count - skipping
        guard length > 0 else { return }
        if skipping == 0, length < ByteQueue.coalesceLimit, head < chunks.count,
           chunks[chunks.count - 1].count + length <= ByteQueue.coalesceLimit {
            chunks[chunks.count - 1].append(contentsOf: bytes)
        } else if skipping > 0 && isEmpty {
            chunks.removeAll(keepingCapacity: true)
            head = 0
            chunks.append(bytes)
            headOffset = skipping
        } else if skipping > 0 {
            chunks.append(Array(bytes[skipping...]))
        } else {
            chunks.append(bytes)
        }
        count += length
    }

    /// Calls `body` with the first contiguous run of queued bytes (empty if the queue is empty).
    func withFirstRun<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard head < chunks.count else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try chunks[head].withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[headOffset...])) }
    }

    /// Drops the first `length` bytes (at most the first run's length).
    mutating func consume(_ length: Int) {
        guard length > 0 else { return }
        count -= length
        headOffset += length
        if headOffset >= chunks[head].count {
            advanceHead()
        }
    }

    /// Removes and returns up to `maxLength` bytes from the front (at most one chunk; the chunk itself when it fits).
    mutating func read(maxLength: Int) -> [UInt8] {
        guard head < chunks.count, maxLength > 0 else { return [] }
        let available = chunks[head].count - headOffset
        let result: [UInt8]
        if available <= maxLength {
            result = headOffset == 0 ? chunks[head] : Array(chunks[head][headOffset...])
            count -= available
            advanceHead()
        } else {
            result = Array(chunks[head][headOffset ..< headOffset + maxLength])
            headOffset += maxLength
            count -= maxLength
        }
        return result
    }

    /// Keeps only the first `length` bytes.
    mutating func truncate(keeping length: Int) {
        guard length < count else { return }
        guard length > 0 else {
            removeAll()
            return
        }
        var kept = 0
        var index = head
        var offset = headOffset
        while index < chunks.count {
            let available = chunks[index].count - offset
            if kept + available >= length {
                chunks[index].removeLast(available - (length - kept))
                chunks.removeSubrange((index + 1)...)
                break
            }
            kept += available
            index += 1
            offset = 0
        }
        count = length
    }

    /// Drops everything.
    mutating func removeAll() {
        chunks.removeAll()
        head = 0
        headOffset = 0
        count = 0
    }

    private mutating func advanceHead() {
        chunks[head] = []
        head += 1
        headOffset = 0
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: chunks.count <= 64)
            head = 0
        } else if head >= 32 && head * 2 >= chunks.count {
            chunks.removeFirst(head)
            head = 0
        }
    }
}
