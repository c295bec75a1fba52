/// A bidirectional, ordered byte stream (TCP or in-memory).
public protocol ByteStream: AnyObject, Sendable {
    /// Reads between 1 and `maxLength` bytes; returns nil at end of stream (peer closed). One reader at a time.
    func read(maxLength: Int) async throws -> [UInt8]?
    /// Queues `bytes` for sending without suspending; bytes go out in call order. Returns false if the stream is closed.
    /// A first write attempt happens immediately on the caller's thread (low latency); what the kernel doesn't take is
    /// kept in an outbound buffer flushed by the event loop when the socket becomes writable.
    @discardableResult func enqueue(_ bytes: [UInt8]) -> Bool
    /// Queues `bytes`, then suspends while more than `highWatermark` bytes are buffered, until the buffer drains
    /// below `lowWatermark` (backpressure: a slow peer never makes the sender buffer without bound). Throws if closed.
    func write(_ bytes: [UInt8]) async throws
    /// Suspends until the outbound buffer is below the low watermark (returns at once if it already is). Throws if closed.
    func waitUntilWritable() async throws
    /// Bytes queued and not yet handed to the kernel (or the in-memory peer).
    var bufferedOutboundBytes: Int { get }
    /// Closes both directions now; pending and later reads return nil or throw `connectionClosed`, pending writes throw.
    /// Idempotent.
    func close()
    /// Stops accepting new bytes and closes the stream (as `close()`) once everything already queued has been handed
    /// to the kernel (or the in-memory peer). Idempotent. The default implementation simply calls `close()`.
    func closeAfterFlush()
    /// The local endpoint, for logs and introspection (e.g. "127.0.0.1:54321", "memory:3/a").
    var localDescription: String { get }
    /// The remote endpoint, for logs and introspection (e.g. "127.0.0.1:6650", "memory:3/b").
    var remoteDescription: String { get }
}

extension ByteStream {
    /// Closes at once; streams that buffer outbound bytes override this to drain first.
    public func closeAfterFlush() {
        close()
    }
}

/// Outbound-buffer limits for backpressure: `write` suspends once more than `high` bytes are buffered and resumes
/// when the buffer has drained to `low` bytes or fewer.
public struct WriteWatermarks: Hashable, Sendable {
    /// Above this many buffered bytes, `write` suspends.
    public var high: Int
    /// At or below this many buffered bytes, suspended writers resume.
    public var low: Int

    /// Creates watermarks; requires `0 <= low <= high`.
    public init(high: Int, low: Int) {
        precondition(low >= 0 && low <= high, "WriteWatermarks need 0 <= low <= high")
        self.high = high
        self.low = low
    }

    /// 1 MiB high, 256 KiB low.
    public static let `default` = WriteWatermarks(high: 1 << 20, low: 256 << 10)
}
