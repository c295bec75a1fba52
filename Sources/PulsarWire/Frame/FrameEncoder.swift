/// Writes frames: sizes are written as placeholders and filled in once known, the checksum is computed in place.
public enum FrameEncoder {
    /// Appends a simple frame (no payload) for `command` to `buffer`.
    public static func encode(_ command: Command, into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        var writer = ProtobufWriter(capacity: 0)
        swap(&writer.bytes, &buffer)
        command.write(to: &writer)
        swap(&writer.bytes, &buffer)
        let commandSize = buffer.count - start - 8
        buffer.setUInt32BE(UInt32(commandSize + 4), at: start)
        buffer.setUInt32BE(UInt32(commandSize), at: start + 4)
    }

    /// A simple frame for `command`.
    public static func encode(_ command: Command) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64)
        encode(command, into: &buffer)
        return buffer
    }

    /// Appends a payload frame: `command`, optional broker entry metadata, then `entry` copied verbatim
    /// (a broker replaying a stored entry, a proxy forwarding one).
    public static func encode(
        _ command: Command, brokerEntryMetadata: BrokerEntryMetadata? = nil, entry: MessageEntry, into buffer: inout [UInt8]
    ) {
        let start = buffer.count
        encode(command, into: &buffer)
        if let brokerEntryMetadata {
            let metadata = brokerEntryMetadata.serializedBytes()
            buffer.append(0x0e)
            buffer.append(0x02)
            buffer.append(contentsOf: [0, 0, 0, 0])
            buffer.setUInt32BE(UInt32(metadata.count), at: buffer.count - 4)
            buffer.append(contentsOf: metadata)
        }
        buffer.append(contentsOf: entry.bytes)
        buffer.setUInt32BE(UInt32(buffer.count - start - 4), at: start)
    }

    /// Appends a payload frame whose entry bytes (magic number onwards) come from raw storage, copied verbatim.
    public static func encode(_ command: Command, entryBytes: UnsafeRawBufferPointer, into buffer: inout [UInt8]) {
        let start = buffer.count
        encode(command, into: &buffer)
        buffer.append(contentsOf: entryBytes)
        buffer.setUInt32BE(UInt32(buffer.count - start - 4), at: start)
    }

    /// A payload frame for `command` carrying `entry`.
    public static func encode(_ command: Command, brokerEntryMetadata: BrokerEntryMetadata? = nil, entry: MessageEntry) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64 + entry.bytes.count)
        encode(command, brokerEntryMetadata: brokerEntryMetadata, entry: entry, into: &buffer)
        return buffer
    }

    /// Appends a SEND-style payload frame built from metadata and payload, with a CRC32C checksum.
    public static func encode(
        _ command: Command, metadata: MessageMetadata, payload: some Collection<UInt8>, into buffer: inout [UInt8]
    ) {
        let start = buffer.count
        encode(command, into: &buffer)
        let entryStart = buffer.count
        buffer.append(contentsOf: [0x0e, 0x01, 0, 0, 0, 0, 0, 0, 0, 0])
        var writer = ProtobufWriter(capacity: 0)
        swap(&writer.bytes, &buffer)
        metadata.write(to: &writer)
        swap(&writer.bytes, &buffer)
        buffer.setUInt32BE(UInt32(buffer.count - entryStart - 10), at: entryStart + 6)
        buffer.append(contentsOf: payload)
        let crc = buffer.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[(entryStart + 6)...])) }
        buffer.setUInt32BE(crc, at: entryStart + 2)
        buffer.setUInt32BE(UInt32(buffer.count - start - 4), at: start)
    }
}
