import PulsarSupport
import Synchronization

/// One end of an in-memory duplex made by `InMemoryDuplex.makePair`. Same semantics as `TCPConnection`, including
/// backpressure and close (the peer reads what was handed over, then end of stream).
public final class InMemoryStream: ByteStream {
    private let inbound: MemoryPipe
    private let outbound: MemoryPipe
    /// "memory:N/a" or "memory:N/b".
    public let localDescription: String
    /// The peer's `localDescription`.
    public let remoteDescription: String

    init(inbound: MemoryPipe, outbound: MemoryPipe, local: String, remote: String) {
        self.inbound = inbound
        self.outbound = outbound
        localDescription = local
        remoteDescription = remote
    }

    deinit {
        close()
    }

    /// The backpressure limits of this end's writes; may be changed at any time.
    public var watermarks: WriteWatermarks {
        get { outbound.watermarks }
        set { outbound.watermarks = newValue }
    }

    /// A read is suspended waiting for data (for tests).
    var hasPendingRead: Bool { inbound.hasPendingRead }

    /// The number of writers suspended by backpressure (for tests).
    var pendingWriterCount: Int { outbound.pendingWriterCount }

    /// Reads between 1 and `maxLength` bytes; nil at end of stream or once closed locally.
    public func read(maxLength: Int) async throws -> [UInt8]? {
        precondition(maxLength > 0, "maxLength must be positive")
        return try await inbound.receive(maxLength: maxLength)
    }

    /// Queues `bytes` for the peer without suspending. False if this end is closed or the peer has closed.
    @discardableResult
    public func enqueue(_ bytes: [UInt8]) -> Bool {
        if case .success = outbound.send(bytes) { return true }
        return false
    }

    /// Queues `bytes`, then suspends while more than the high watermark is buffered beyond what the peer holds, until
    /// it drains to the low watermark. Throws `connectionClosed` if closed, `connectionReset` if the peer closed.
    public func write(_ bytes: [UInt8]) async throws {
        if try outbound.send(bytes).get() {
            try await outbound.waitUntilWritable()
        }
    }

    /// Suspends until no more than the low watermark is buffered beyond what the peer holds.
    public func waitUntilWritable() async throws {
        try await outbound.waitUntilWritable()
    }

    /// Bytes queued beyond what the peer's buffer (`bufferLimit`) holds.
    public var bufferedOutboundBytes: Int { outbound.bufferedOutboundBytes }

    /// Closes both directions now: bytes beyond what the peer holds are dropped, the peer reads the rest and then
    /// end of stream; pending and later reads here return nil. Idempotent.
    public func close() {
        outbound.closeSender(discardUnsent: true)
        inbound.closeReceiver()
    }

    /// Closes without dropping anything queued: the peer reads all of it, then end of stream. Idempotent.
    public func closeAfterFlush() {
        outbound.closeSender(discardUnsent: false)
        inbound.closeReceiver()
    }
}

/// Factory of connected in-memory stream pairs.
public enum InMemoryDuplex {
    private static let pairIDs = Atomic<Int>(1)

    /// Two connected in-memory streams: what one enqueues the other reads. Same semantics as TCP, including
    /// backpressure (each direction's reader holds up to `bufferLimit` bytes; beyond that the writer buffers, subject
    /// to `watermarks`) and close (the peer sees end of stream).
    public static func makePair(
        bufferLimit: Int = 256 * 1024, watermarks: WriteWatermarks = .default
    ) -> (InMemoryStream, InMemoryStream) {
        makePair(bufferLimit: bufferLimit, watermarks: watermarks, activity: nil)
    }

    /// Like ``makePair(bufferLimit:watermarks:)``, and each direction reports to `activity` while bytes sit unread
    /// in it or its reader is still working on the bytes it last took (until it comes back to read, or closes).
    package static func makePair(
        bufferLimit: Int = 256 * 1024, watermarks: WriteWatermarks = .default, activity: ActivityMonitor?
    ) -> (InMemoryStream, InMemoryStream) {
        precondition(bufferLimit >= 0, "bufferLimit must not be negative")
        let id = pairIDs.wrappingAdd(1, ordering: .relaxed).oldValue
        let aToB = MemoryPipe(limit: bufferLimit, watermarks: watermarks, activity: activity)
        let bToA = MemoryPipe(limit: bufferLimit, watermarks: watermarks, activity: activity)
        let a = InMemoryStream(inbound: bToA, outbound: aToB, local: "memory:\(id)/a", remote: "memory:\(id)/b")
        let b = InMemoryStream(inbound: aToB, outbound: bToA, local: "memory:\(id)/b", remote: "memory:\(id)/a")
        return (a, b)
    }
}
