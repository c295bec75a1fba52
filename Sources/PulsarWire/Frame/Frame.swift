/// One Pulsar frame: a command and, for SEND and MESSAGE, the entry that follows it.
///
/// ```
///  simple:   [totalSize u32][commandSize u32][BaseCommand]
///  payload:  [totalSize u32][commandSize u32][BaseCommand]
///            ( [0x0e02 u16][size u32][BrokerEntryMetadata] )   optional, broker → client only
///            [0x0e01 u16][crc32c u32][metadataSize u32][MessageMetadata][payload]   = MessageEntry
///  totalSize counts every byte after the totalSize field itself.
/// ```
public struct Frame: Sendable, Equatable {
    /// The magic number of the optional broker-entry-metadata section.
    public static let brokerEntryMetadataMagic: UInt16 = 0x0e02

    /// The command.
    public var command: Command
    /// Broker entry metadata (index, broker timestamp), present only when a broker added it.
    public var brokerEntryMetadata: BrokerEntryMetadata?
    /// The entry of a SEND or MESSAGE frame.
    public var entry: MessageEntry?

    /// Creates a frame.
    public init(command: Command, brokerEntryMetadata: BrokerEntryMetadata? = nil, entry: MessageEntry? = nil) {
        self.command = command
        self.brokerEntryMetadata = brokerEntryMetadata
        self.entry = entry
    }

    /// Decodes one whole frame, size header included; `frameBytes` must hold exactly one frame.
    ///
    /// - Parameter verifyChecksum: when true, an entry whose CRC32C does not match throws
    ///   ``WireError/Code/checksumMismatch`` (carrying the decoded frame).
    public init(decoding frameBytes: ArraySlice<UInt8>, verifyChecksum: Bool = true) throws {
        // One pass over borrowed memory: sizes, command, optional broker entry metadata, entry layout, checksum.
        let layout = try frameBytes.withUnsafeBytes { buffer in try Frame.parseLayout(buffer, verifyChecksum: verifyChecksum) }
        command = layout.command
        brokerEntryMetadata = layout.brokerEntryMetadata
        guard let entryStart = layout.entryStart else {
            entry = nil
            return
        }
        let base = frameBytes.startIndex
        let parsed = MessageEntry(
            bytes: frameBytes[(base + entryStart)...], checksum: layout.checksum,
            metadataRange: (base + layout.metadataRange.lowerBound)..<(base + layout.metadataRange.upperBound))
        entry = parsed
        if !layout.checksumMatches {
            throw WireError(.checksumMismatch,
                            "entry checksum \(hex(parsed.checksum ?? 0)) does not match computed \(hex(parsed.computeChecksum()))",
                            frame: self)
        }
    }

    /// What ``parseLayout(_:verifyChecksum:)`` finds, as offsets from the start of the frame.
    struct Layout {
        var command: Command
        var brokerEntryMetadata: BrokerEntryMetadata?
        var entryStart: Int?
        var checksum: UInt32?
        var metadataRange: Range<Int> = 0..<0
        var checksumMatches = true
    }

    static func parseLayout(_ buffer: UnsafeRawBufferPointer, verifyChecksum: Bool) throws -> Layout {
        let end = buffer.count
        guard end >= 8 else { throw WireError(.truncated, "a frame needs at least 8 bytes, got \(end)") }
        let totalSize = Int(buffer.readUInt32BE(at: 0))
        guard totalSize == end - 4 else {
            throw WireError(.invalidFrameSize, "total size \(totalSize) does not match the \(end - 4) bytes after it")
        }
        let commandSize = Int(buffer.readUInt32BE(at: 4))
        guard commandSize <= totalSize - 4 else {
            throw WireError(.invalidFrameSize, "command size \(commandSize) exceeds the frame's \(totalSize - 4) remaining bytes")
        }
        var layout = Layout(command: try Command.decodeBaseCommand(buffer, range: 8..<(8 + commandSize)))
        var position = 8 + commandSize
        guard position < end else { return layout }
        if end - position >= 2, buffer.readUInt16BE(at: position) == brokerEntryMetadataMagic {
            guard end - position >= 6 else { throw WireError(.truncated, "frame ends inside the broker entry metadata size") }
            let size = Int(buffer.readUInt32BE(at: position + 2))
            guard size <= end - position - 6 else {
                throw WireError(.invalidFrameSize, "broker entry metadata size \(size) exceeds the frame")
            }
            var reader = ProtobufReader(buffer, range: (position + 6)..<(position + 6 + size), messageName: "BrokerEntryMetadata")
            layout.brokerEntryMetadata = try BrokerEntryMetadata(reading: &reader)
            position += 6 + size
        }
        layout.entryStart = position
        if end - position >= 2 {
            // 0x0e01 announces a checksum; without one the entry starts with a u32 metadata size, whose high half
            // is tiny. Anything else in 0x0e00...0xffff cannot start an entry.
            let magic = buffer.readUInt16BE(at: position)
            if magic == MessageEntry.checksumMagic {
                guard end - position >= 6 else { throw WireError(.truncated, "entry ends inside its checksum") }
                layout.checksum = buffer.readUInt32BE(at: position + 2)
                position += 6
            } else if magic >= 0x0e00 {
                throw WireError(.badMagic, "unexpected magic number \(String(magic, radix: 16)) after the command")
            }
        }
        guard end - position >= 4 else { throw WireError(.truncated, "entry ends inside its metadata size") }
        let metadataSize = Int(buffer.readUInt32BE(at: position))
        guard metadataSize <= end - position - 4 else {
            throw WireError(.invalidFrameSize, "metadata size \(metadataSize) exceeds the \(end - position - 4) bytes left in the entry")
        }
        if verifyChecksum, let checksum = layout.checksum {
            layout.checksumMatches = CRC32C.update(0, UnsafeRawBufferPointer(rebasing: buffer[position...])) == checksum
        }
        layout.metadataRange = (position + 4)..<(position + 4 + metadataSize)
        return layout
    }
}

extension UnsafeRawBufferPointer {
    /// Reads a big-endian `UInt32` at `offset` (the caller checked the bounds).
    @inlinable func readUInt32BE(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// Reads a big-endian `UInt16` at `offset` (the caller checked the bounds).
    @inlinable func readUInt16BE(at offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
}

/// `0x` followed by eight hex digits.
@usableFromInline func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
