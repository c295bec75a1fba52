/// The protobuf wire type carried in the low three bits of a field tag.
public enum ProtobufWireType: UInt8, Sendable {
    /// int32, int64, uint32, uint64, bool, enum.
    case varint = 0
    /// double, fixed64.
    case fixed64 = 1
    /// string, bytes, sub-messages, packed repeated scalars.
    case lengthDelimited = 2
    /// Deprecated groups (start); only ever skipped.
    case startGroup = 3
    /// Deprecated groups (end); only ever skipped.
    case endGroup = 4
    /// float, fixed32.
    case fixed32 = 5
}

/// A field tag: field number and wire type.
public struct ProtobufTag: Sendable, Equatable {
    /// The field number declared in the schema.
    public var fieldNumber: Int
    /// How the value is encoded on the wire (raw value, may be an unknown type 6 or 7).
    public var wireTypeRawValue: UInt8
    /// The wire type if it is one protobuf defines.
    public var wireType: ProtobufWireType? { ProtobufWireType(rawValue: wireTypeRawValue) }

    /// Creates a tag from its parts.
    @inlinable public init(fieldNumber: Int, wireTypeRawValue: UInt8) {
        self.fieldNumber = fieldNumber
        self.wireTypeRawValue = wireTypeRawValue
    }

    /// Splits a raw key (`field << 3 | wireType`) as returned by ``ProtobufReader/readKey()``.
    @inlinable public init(key: Int) {
        fieldNumber = key >> 3
        wireTypeRawValue = UInt8(key & 7)
    }
}

/// Reads proto2 fields from a borrowed buffer. Only valid inside the `withUnsafeBytes` scope that made it;
/// generated `init(reading:)` initialisers use it, application code normally calls
/// ``ProtobufMessage/init(serializedBytes:)`` instead.
public struct ProtobufReader {
    @usableFromInline let base: UnsafeRawBufferPointer
    @usableFromInline var index: Int
    @usableFromInline let end: Int
    /// The name of the message being decoded, for error messages.
    @usableFromInline var messageName: String

    @usableFromInline init(_ base: UnsafeRawBufferPointer, messageName: String) {
        self.base = base
        self.index = 0
        self.end = base.count
        self.messageName = messageName
    }

    @usableFromInline init(_ base: UnsafeRawBufferPointer, range: Range<Int>, messageName: String) {
        self.base = base
        self.index = range.lowerBound
        self.end = range.upperBound
        self.messageName = messageName
    }

    /// True once every byte has been read.
    @inlinable public var isAtEnd: Bool { index >= end }

    /// Reads a base-128 varint (at most 10 bytes).
    @inlinable public mutating func readVarint() throws -> UInt64 {
        guard index < end else { throw truncated("varint") }
        let first = base[index]
        if first < 0x80 {
            index += 1
            return UInt64(first)
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < end else { throw truncated("varint") }
            let byte = base[index]
            index += 1
            if shift == 63 && byte > 1 {
                throw WireError(.malformedVarint, "varint in \(messageName) overflows 64 bits")
            }
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { throw WireError(.malformedVarint, "varint in \(messageName) is longer than 10 bytes") }
        }
    }

    /// Reads the next field tag, or returns nil at the end of the message.
    @inlinable public mutating func readTag() throws -> ProtobufTag? {
        guard index < end else { return nil }
        let key = try readVarint()
        let field = key >> 3
        guard field > 0, field <= 536_870_911 else {
            throw WireError(.invalidLength, "invalid field number \(field) in \(messageName)")
        }
        return ProtobufTag(fieldNumber: Int(field), wireTypeRawValue: UInt8(key & 7))
    }

    /// Reads the next raw key (`field << 3 | wireType`) and the position where it started,
    /// or returns nil at the end of the message. Generated decoders switch on the key.
    @inlinable public mutating func readKey() throws -> (key: Int, start: Int)? {
        guard index < end else { return nil }
        let start = index
        let first = base[index]
        let key: UInt64
        if first < 0x80 {
            index += 1
            key = UInt64(first)
        } else {
            key = try readVarint()
        }
        guard key >> 3 > 0, key >> 3 <= 536_870_911 else {
            throw WireError(.invalidLength, "invalid field number \(key >> 3) in \(messageName)")
        }
        return (Int(key), start)
    }

    /// Reads a little-endian 64-bit value (wire type 1).
    @inlinable public mutating func readFixed64() throws -> UInt64 {
        guard end - index >= 8 else { throw truncated("fixed64") }
        var value: UInt64 = 0
        for offset in 0..<8 { value |= UInt64(base[index + offset]) << (8 * UInt64(offset)) }
        index += 8
        return value
    }

    /// Reads a little-endian 32-bit value (wire type 5).
    @inlinable public mutating func readFixed32() throws -> UInt32 {
        guard end - index >= 4 else { throw truncated("fixed32") }
        var value: UInt32 = 0
        for offset in 0..<4 { value |= UInt32(base[index + offset]) << (8 * UInt32(offset)) }
        index += 4
        return value
    }

    /// Reads a length prefix and returns the index range it covers, advancing past it.
    @inlinable public mutating func readLengthDelimitedRange() throws -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(end - index) else {
            throw WireError(.invalidLength, "length \(length) in \(messageName) runs past the end (\(end - index) bytes left)")
        }
        let start = index
        index += Int(length)
        return start..<index
    }

    /// Reads a length-delimited UTF-8 string (invalid sequences are repaired, as proto2 does not validate).
    @inlinable public mutating func readString() throws -> String {
        let range = try readLengthDelimitedRange()
        return String(decoding: UnsafeRawBufferPointer(rebasing: base[range]), as: UTF8.self)
    }

    /// Reads a length-delimited byte string.
    @inlinable public mutating func readBytes() throws -> [UInt8] {
        let range = try readLengthDelimitedRange()
        return [UInt8](UnsafeRawBufferPointer(rebasing: base[range]))
    }

    /// Reads a length-delimited sub-message.
    @inlinable public mutating func readMessage<M: ProtobufMessage>(_ type: M.Type) throws -> M {
        let range = try readLengthDelimitedRange()
        var sub = ProtobufReader(base, range: range, messageName: M.protobufMessageName)
        return try M(reading: &sub)
    }

    /// Reads a repeated varint field that may be packed (wire type 2) or not (wire type 0), appending to `values`.
    @inlinable public mutating func readVarints<T>(_ tag: ProtobufTag, into values: inout [T], _ convert: (UInt64) -> T) throws {
        if tag.wireTypeRawValue == ProtobufWireType.lengthDelimited.rawValue {
            let range = try readLengthDelimitedRange()
            var packed = ProtobufReader(base, range: range, messageName: messageName)
            while !packed.isAtEnd { values.append(convert(try packed.readVarint())) }
        } else {
            values.append(convert(try readVarint()))
        }
    }

    /// Skips the value of `tag`, appending the tag and value bytes to `unknownFields` so they can be re-emitted.
    @inlinable public mutating func skip(_ tag: ProtobufTag, tagStart: Int, into unknownFields: inout [UInt8]) throws {
        try skipValue(tag)
        unknownFields.append(contentsOf: UnsafeRawBufferPointer(rebasing: base[tagStart..<index]))
    }

    /// Skips the value of `tag` without keeping it.
    @inlinable public mutating func skipValue(_ tag: ProtobufTag) throws {
        switch tag.wireType {
        case .varint?: _ = try readVarint()
        case .fixed64?: _ = try readFixed64()
        case .lengthDelimited?: _ = try readLengthDelimitedRange()
        case .fixed32?: _ = try readFixed32()
        case .startGroup?:
            // Iteratively, with the open groups on a small stack: nested groups must not grow the call stack, and
            // nesting deeper than protobuf's own recursion limit (100) is refused.
            var open = [tag.fieldNumber]
            while let innermost = open.last {
                guard let inner = try readTag() else { throw truncated("group") }
                switch inner.wireType {
                case .endGroup?:
                    guard inner.fieldNumber == innermost else {
                        throw WireError(.invalidLength, "mismatched end group in \(messageName)")
                    }
                    open.removeLast()
                case .startGroup?:
                    guard open.count < Self.maxGroupDepth else {
                        throw WireError(.invalidLength, "groups nested deeper than \(Self.maxGroupDepth) in \(messageName)")
                    }
                    open.append(inner.fieldNumber)
                default:
                    try skipValue(inner)
                }
            }
        case .endGroup?, nil:
            throw WireError(.invalidLength, "unexpected wire type \(tag.wireTypeRawValue) for field \(tag.fieldNumber) in \(messageName)")
        }
    }

    /// The deepest nesting of (deprecated) groups that ``skipValue(_:)`` accepts, like protobuf's recursion limit.
    public static let maxGroupDepth = 100

    /// The current read position; generated code remembers it before reading a tag.
    @inlinable public var position: Int { index }

    @usableFromInline func truncated(_ what: String) -> WireError {
        WireError(.truncated, "\(messageName) ends inside a \(what)")
    }

    /// Throws ``WireError/Code/missingRequiredField`` naming the message and field.
    @inlinable public func missing(_ field: String) -> WireError {
        WireError(.missingRequiredField, "\(messageName) lacks required field '\(field)'")
    }
}
