/// Splits a byte stream into frames, incrementally.
///
/// Feed bytes as they arrive with ``append(_:)`` and call ``next()`` until it returns nil:
/// - nil: the buffered bytes do not yet hold a whole frame (any split across any number of reads works);
/// - a frame: one complete frame, its entry sharing storage with the received bytes (no copy);
/// - a thrown ``WireError``: the stream is malformed. After any error except
///   ``WireError/Code/checksumMismatch`` the stream cannot be resynchronised, and every later call throws
///   the same error: close the connection. A checksum mismatch consumes its frame and decoding can go on.
public struct FrameDecoder: Sendable {
    /// Pulsar's default maximum message size (5 MiB), what brokers advertise in CONNECTED.
    public static let defaultMaxMessageSize = 5 * 1024 * 1024
    /// Room allowed for command and metadata on top of the maximum message size (10 KiB, like the Go client).
    public static let framePadding = 10 * 1024

    /// Largest accepted `totalSize`; larger frames throw ``WireError/Code/frameTooLarge``.
    public var maxFrameSize: Int
    /// Whether entries' CRC32C checksums are verified (on by default).
    public var verifiesChecksums: Bool

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: WireError?

    /// Creates a decoder accepting messages up to `maxMessageSize` bytes (plus ``framePadding``).
    public init(maxMessageSize: Int = FrameDecoder.defaultMaxMessageSize, verifiesChecksums: Bool = true) {
        self.maxFrameSize = maxMessageSize + Self.framePadding
        self.verifiesChecksums = verifiesChecksums
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds received bytes. An array is adopted without copying when nothing else is buffered.
    public mutating func append(_ bytes: [UInt8]) {
        if readIndex == buffer.count {
            buffer = bytes
            readIndex = 0
            return
        }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Adds received bytes from any collection.
    public mutating func append(contentsOf bytes: some Collection<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete frame, or nil if more bytes are needed.
    public mutating func next() throws -> Frame? {
        guard let raw = try nextRawFrame() else { return nil }
        do {
            return try Frame(decoding: raw, verifyChecksum: verifiesChecksums)
        } catch let error as WireError where error.code == .checksumMismatch {
            throw error
        } catch let error as WireError {
            failure = error
            throw error
        }
    }

    /// Returns the bytes of the next complete frame (size header included) without decoding its command,
    /// or nil if more bytes are needed. Sizes are validated; protobuf content is not.
    public mutating func nextRawFrame() throws -> ArraySlice<UInt8>? {
        if let failure { throw failure }
        let available = buffer.count - readIndex
        guard available >= 4 else { return nil }
        let totalSize = Int(buffer.readUInt32BE(at: readIndex))
        if totalSize > maxFrameSize {
            return try fail(WireError(.frameTooLarge, "frame of \(totalSize) bytes exceeds the maximum of \(maxFrameSize)"))
        }
        if totalSize < 4 {
            return try fail(WireError(.invalidFrameSize, "total size \(totalSize) cannot hold a command size"))
        }
        if available >= 8 {
            let commandSize = Int(buffer.readUInt32BE(at: readIndex + 4))
            if commandSize > totalSize - 4 {
                return try fail(WireError(.invalidFrameSize, "command size \(commandSize) exceeds total size \(totalSize) - 4"))
            }
        }
        guard available >= 4 + totalSize else { return nil }
        let frame = buffer[readIndex..<(readIndex + 4 + totalSize)]
        readIndex += 4 + totalSize
        return frame
    }

    /// Removes and returns the bytes not yet returned as frames (a proxy that gives up decoding forwards them as they
    /// are). The decoder is empty and no longer failed afterwards.
    public mutating func takeBufferedBytes() -> [UInt8] {
        defer {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
            failure = nil
        }
        return Array(buffer[readIndex...])
    }

    private mutating func fail(_ error: WireError) throws -> ArraySlice<UInt8>? {
        failure = error
        throw error
    }

    /// Drops consumed bytes. When returned frames still share the buffer only the unread tail is copied.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else {
            buffer.removeFirst(readIndex)
        }
        readIndex = 0
    }
}
