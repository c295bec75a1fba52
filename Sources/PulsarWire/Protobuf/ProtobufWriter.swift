/// Appends proto2 fields to a byte array in canonical form (minimal varints, fields in the order written).
public struct ProtobufWriter {
    /// The bytes written so far.
    public var bytes: [UInt8]

    /// Creates a writer, optionally reserving room for `capacity` bytes.
    @inlinable public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends a raw varint.
    @inlinable public mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// The number of bytes `value` takes as a varint.
    @inlinable public static func varintSize(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }

    /// Appends a field tag.
    @inlinable public mutating func writeTag(_ field: Int, _ wireType: ProtobufWireType) {
        writeVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    /// Writes an unsigned varint field (uint32, uint64).
    @inlinable public mutating func writeVarintField(_ field: Int, _ value: UInt64) {
        writeTag(field, .varint)
        writeVarint(value)
    }

    /// Writes a signed varint field (int32, int64, enum): negative values take 10 bytes, sign-extended.
    @inlinable public mutating func writeSignedField(_ field: Int, _ value: Int64) {
        writeTag(field, .varint)
        writeVarint(UInt64(bitPattern: value))
    }

    /// Writes a bool field.
    @inlinable public mutating func writeBoolField(_ field: Int, _ value: Bool) {
        writeTag(field, .varint)
        bytes.append(value ? 1 : 0)
    }

    /// Writes a double field (wire type 1, little-endian).
    @inlinable public mutating func writeDoubleField(_ field: Int, _ value: Double) {
        writeTag(field, .fixed64)
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    /// Writes a string field.
    @inlinable public mutating func writeStringField(_ field: Int, _ value: String) {
        writeTag(field, .lengthDelimited)
        var value = value
        value.withUTF8 { utf8 in
            writeVarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Writes a bytes field.
    @inlinable public mutating func writeBytesField(_ field: Int, _ value: [UInt8]) {
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Writes a sub-message field. The length is written after the body, moving the body only when the
    /// length needs more than one byte.
    @inlinable public mutating func writeMessageField<M: ProtobufMessage>(_ field: Int, _ message: M) {
        writeTag(field, .lengthDelimited)
        let lengthIndex = bytes.count
        bytes.append(0)
        message.write(to: &self)
        let length = bytes.count - lengthIndex - 1
        if length < 0x80 {
            bytes[lengthIndex] = UInt8(length)
            return
        }
        let size = Self.varintSize(UInt64(length))
        bytes.insert(contentsOf: repeatElement(0, count: size - 1), at: lengthIndex + 1)
        var value = UInt64(length)
        for offset in 0..<size {
            bytes[lengthIndex + offset] = UInt8(truncatingIfNeeded: value) | (offset < size - 1 ? 0x80 : 0)
            value >>= 7
        }
    }

    /// Appends bytes already in wire form (preserved unknown fields).
    @inlinable public mutating func writeRaw(_ raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }
}
