/// One stored entry, exactly as a producer sent it and as a broker replays it in MESSAGE frames.
///
/// ```
///  with checksum (protocol ≥ 6):
///  ┌────────┬──────────┬──────────────┬─────────────────┬─────────────┐
///  │ 0x0e01 │ crc32c   │ metadataSize │ MessageMetadata │ payload ... │
///  │ u16 BE │ u32 BE   │ u32 BE       │ protobuf        │ to the end  │
///  └────────┴──────────┴──────────────┴─────────────────┴─────────────┘
///                      └──────────── covered by crc32c ───────────────┘
///  without checksum (old clients): [metadataSize][MessageMetadata][payload]
/// ```
/// `bytes` shares storage with the buffer it was decoded from; nothing is copied.
public struct MessageEntry: Sendable, Equatable {
    /// The magic number announcing a CRC32C checksum.
    public static let checksumMagic: UInt16 = 0x0e01

    /// The entry's bytes, from the magic number (or metadata size) to the end of the frame.
    public var bytes: ArraySlice<UInt8>
    /// The checksum carried by the entry, if it has one.
    public var checksum: UInt32?
    /// Where the `MessageMetadata` protobuf lies, in `bytes`' indices.
    public var metadataRange: Range<Int>
    /// Where the payload lies, in `bytes`' indices.
    public var payloadRange: Range<Int>

    /// Parses the layout of an entry without copying it.
    ///
    /// - Throws: ``WireError`` (``WireError/Code/invalidFrameSize`` or ``WireError/Code/truncated``) if the sizes do
    ///   not fit the bytes.
    public init(parsing bytes: ArraySlice<UInt8>) throws {
        self.bytes = bytes
        var position = bytes.startIndex
        let end = bytes.endIndex
        if end - position >= 2, UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1]) == Self.checksumMagic {
            guard end - position >= 6 else { throw WireError(.truncated, "entry ends inside its checksum") }
            checksum = bytes.readUInt32BE(at: position + 2)
            position += 6
        } else {
            checksum = nil
        }
        guard end - position >= 4 else { throw WireError(.truncated, "entry ends inside its metadata size") }
        let metadataSize = Int(bytes.readUInt32BE(at: position))
        position += 4
        guard metadataSize <= end - position else {
            throw WireError(.invalidFrameSize, "metadata size \(metadataSize) exceeds the \(end - position) bytes left in the entry")
        }
        metadataRange = position..<(position + metadataSize)
        payloadRange = metadataRange.upperBound..<end
    }

    /// An entry whose layout was already parsed (by the frame decoder).
    init(bytes: ArraySlice<UInt8>, checksum: UInt32?, metadataRange: Range<Int>) {
        self.bytes = bytes
        self.checksum = checksum
        self.metadataRange = metadataRange
        self.payloadRange = metadataRange.upperBound..<bytes.endIndex
    }

    /// Builds a new entry with a CRC32C checksum from metadata and payload.
    public init(metadata: MessageMetadata, payload: some Collection<UInt8>) {
        var writer = ProtobufWriter(capacity: 64 + payload.count)
        writer.bytes.append(contentsOf: [0x0e, 0x01, 0, 0, 0, 0, 0, 0, 0, 0])
        metadata.write(to: &writer)
        let metadataEnd = writer.bytes.count
        writer.bytes.setUInt32BE(UInt32(metadataEnd - 10), at: 6)
        writer.bytes.append(contentsOf: payload)
        let crc = writer.bytes.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[6...])) }
        writer.bytes.setUInt32BE(crc, at: 2)
        self.bytes = writer.bytes[...]
        self.checksum = crc
        self.metadataRange = 10..<metadataEnd
        self.payloadRange = metadataEnd..<writer.bytes.count
    }

    /// The bytes the checksum covers: metadata size, metadata and payload.
    public var checksummedBytes: ArraySlice<UInt8> { bytes[(metadataRange.lowerBound - 4)...] }

    /// The CRC32C computed over ``checksummedBytes``.
    public func computeChecksum() -> UInt32 { CRC32C.checksum(checksummedBytes) }

    /// True if the entry has no checksum or its checksum matches the bytes.
    public var isChecksumValid: Bool {
        guard let checksum else { return true }
        return computeChecksum() == checksum
    }

    /// The serialized `MessageMetadata`.
    public var metadataBytes: ArraySlice<UInt8> { bytes[metadataRange] }

    /// Decodes the entry's `MessageMetadata`.
    public func metadata() throws -> MessageMetadata { try MessageMetadata(serializedBytes: bytes[metadataRange]) }

    /// The payload: raw message bytes, or a (possibly compressed) batch.
    public var payload: ArraySlice<UInt8> { bytes[payloadRange] }

    /// Entries are equal when they hold the same bytes, wherever those bytes are stored.
    public static func == (lhs: MessageEntry, rhs: MessageEntry) -> Bool {
        lhs.bytes == rhs.bytes && lhs.checksum == rhs.checksum
            && lhs.metadataRange.count == rhs.metadataRange.count
            && lhs.metadataRange.lowerBound - lhs.bytes.startIndex == rhs.metadataRange.lowerBound - rhs.bytes.startIndex
    }
}

extension Collection<UInt8> where Index == Int {
    /// Reads a big-endian `UInt32` at `index` (the caller checked the bounds).
    @inlinable func readUInt32BE(at index: Int) -> UInt32 {
        UInt32(self[index]) << 24 | UInt32(self[index + 1]) << 16 | UInt32(self[index + 2]) << 8 | UInt32(self[index + 3])
    }

    /// Reads a big-endian `UInt16` at `index` (the caller checked the bounds).
    @inlinable func readUInt16BE(at index: Int) -> UInt16 {
        UInt16(self[index]) << 8 | UInt16(self[index + 1])
    }
}

extension Array<UInt8> {
    /// Overwrites four bytes at `index` with `value`, big-endian.
    @inlinable mutating func setUInt32BE(_ value: UInt32, at index: Int) {
        self[index] = UInt8(truncatingIfNeeded: value >> 24)
        self[index + 1] = UInt8(truncatingIfNeeded: value >> 16)
        self[index + 2] = UInt8(truncatingIfNeeded: value >> 8)
        self[index + 3] = UInt8(truncatingIfNeeded: value)
    }
}
