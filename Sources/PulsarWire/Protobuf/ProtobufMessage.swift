/// A proto2 message that can be decoded from and encoded to the protobuf wire format.
///
/// Decoding skips fields it does not know (keeping their bytes in `unknownFields`, re-emitted on encode),
/// accepts packed and unpacked repeated scalars, applies proto2 defaults and throws
/// ``WireError/Code/missingRequiredField`` naming the message and field when a required field is absent.
public protocol ProtobufMessage: Sendable, Equatable {
    /// The message's protobuf name, used in error messages.
    static var protobufMessageName: String { get }
    /// Decodes the message from `reader` until its end.
    init(reading reader: inout ProtobufReader) throws
    /// Appends the message's fields, in field-number order, to `writer`.
    func write(to writer: inout ProtobufWriter)
}

extension ProtobufMessage {
    /// Decodes a message from its serialized bytes.
    @inlinable public init(serializedBytes bytes: some Collection<UInt8>) throws {
        if let result = try bytes.withContiguousStorageIfAvailable({ buffer in
            var reader = ProtobufReader(UnsafeRawBufferPointer(buffer), messageName: Self.protobufMessageName)
            return try Self(reading: &reader)
        }) {
            self = result
        } else {
            let copy = [UInt8](bytes)
            self = try copy.withUnsafeBytes { buffer in
                var reader = ProtobufReader(buffer, messageName: Self.protobufMessageName)
                return try Self(reading: &reader)
            }
        }
    }

    /// The message in protobuf wire form.
    @inlinable public func serializedBytes() -> [UInt8] {
        var writer = ProtobufWriter()
        write(to: &writer)
        return writer.bytes
    }
}

/// A protobuf enum that keeps unknown values representable (a newer peer may send values we do not know).
public protocol ProtobufEnum: RawRepresentable, Hashable, Sendable, CustomStringConvertible where RawValue == Int32 {
    /// Wraps any raw value, known or not.
    init(rawValue: Int32)
    /// The schema name of the value, or nil if this build does not know it.
    var name: String? { get }
}

extension ProtobufEnum {
    /// The schema name, or `TypeName(raw)` for a value this build does not know.
    public var description: String { name ?? "\(Self.self)(\(rawValue))" }
    /// True if this build knows the value.
    public var isKnown: Bool { name != nil }
}
