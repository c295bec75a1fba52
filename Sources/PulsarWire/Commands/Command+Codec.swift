/// Encoding and decoding of the `BaseCommand` envelope.
///
/// ```
/// BaseCommand { required Type type = 1;  optional Command<Type> <sub-command> = <Type number>; }
/// ```
/// The sub-command's field number equals the type number, so one switch covers both directions.
extension Command {
    /// Decodes a serialized `BaseCommand`.
    ///
    /// - Throws: ``WireError`` with ``WireError/Code/missingRequiredField`` if `type` is absent,
    ///   ``WireError/Code/missingCommand`` if the sub-command for `type` is absent (and has required fields),
    ///   or the sub-command's own decoding error.
    @inlinable public init(serializedBytes bytes: some Collection<UInt8>) throws {
        if let decoded = try bytes.withContiguousStorageIfAvailable({ buffer in
            try Command.decodeBaseCommand(UnsafeRawBufferPointer(buffer), range: 0..<buffer.count)
        }) {
            self = decoded
        } else {
            let copy = [UInt8](bytes)
            self = try copy.withUnsafeBytes { try Command.decodeBaseCommand($0, range: 0..<$0.count) }
        }
    }

    /// Decodes a `BaseCommand` held in `range` of `buffer`.
    ///
    /// With `earlyMatch` (the common case), a sub-command found after its `type` is decoded straight away and the
    /// rest of the envelope is only validated. When a later `type` field contradicts that match, the envelope is
    /// decoded again once with `earlyMatch: false`: every field read, the last `type` wins, the last occurrence of its
    /// sub-command is decoded, as protobuf merges a message. That second pass never recurses, so hostile input
    /// cannot grow the stack.
    @usableFromInline static func decodeBaseCommand(
        _ buffer: UnsafeRawBufferPointer, range: Range<Int>, earlyMatch: Bool = true
    ) throws -> Command {
        var reader = ProtobufReader(buffer, range: range, messageName: "BaseCommand")
        var type: CommandType?
        var subRanges: [(field: Int, range: Range<Int>)] = []
        while let (key, _) = try reader.readKey() {
            if key == 8 {
                type = CommandType(rawValue: Int32(truncatingIfNeeded: try reader.readVarint()))
            } else if key & 7 == 2 {
                let subRange = try reader.readLengthDelimitedRange()
                let field = key >> 3
                if earlyMatch, let type, type.rawValue == field {
                    // Common case: `type` came first; decode the sub-command straight away.
                    return try finish(type, buffer: buffer, subRange: subRange, whole: range, remaining: &reader)
                }
                subRanges.append((field, subRange))
            } else {
                try reader.skipValue(ProtobufTag(key: key))
            }
        }
        guard let type else { throw reader.missing("type") }
        let subRange = subRanges.last(where: { $0.field == Int(type.rawValue) })?.range
        return try build(type, buffer: buffer, subRange: subRange, whole: range)
    }

    /// Validates the rest of the envelope after an early sub-command match, then decodes the sub-command.
    @usableFromInline static func finish(
        _ type: CommandType, buffer: UnsafeRawBufferPointer, subRange: Range<Int>, whole: Range<Int>,
        remaining reader: inout ProtobufReader
    ) throws -> Command {
        var subRange = subRange
        while let (key, _) = try reader.readKey() {
            if key & 7 == 2 {
                let range = try reader.readLengthDelimitedRange()
                if key >> 3 == Int(type.rawValue) { subRange = range }  // last occurrence wins, as in protobuf
            } else if key == 8 {
                let later = CommandType(rawValue: Int32(truncatingIfNeeded: try reader.readVarint()))
                if later != type { return try decodeBaseCommand(buffer, range: whole, earlyMatch: false) }
            } else {
                try reader.skipValue(ProtobufTag(key: key))
            }
        }
        return try build(type, buffer: buffer, subRange: subRange, whole: whole)
    }

    @usableFromInline static func build(
        _ type: CommandType, buffer: UnsafeRawBufferPointer, subRange: Range<Int>?, whole: Range<Int>
    ) throws -> Command {
        guard let subRange else {
            if allowsEmptySubCommand(type) {
                var empty = ProtobufReader(buffer, range: whole.lowerBound..<whole.lowerBound, messageName: "\(type)")
                if let command = try decode(type: type, reader: &empty) { return command }
            }
            if !type.isKnown { return .unknown(type: type, bytes: [UInt8](UnsafeRawBufferPointer(rebasing: buffer[whole]))) }
            throw WireError(.missingCommand, "BaseCommand of type \(type) lacks its sub-command (field \(type.rawValue))")
        }
        var sub = ProtobufReader(buffer, range: subRange, messageName: "\(type)")
        // The data path's commands get small functions of their own: the general switch over every command type
        // has a large stack frame that costs more than decoding a SEND.
        switch type {
        case .send: return try decodeSend(&sub)
        case .message: return try decodeMessage(&sub)
        case .ack: return try decodeAck(&sub)
        case .flow: return try decodeFlow(&sub)
        case .sendReceipt: return try decodeSendReceipt(&sub)
        default: break
        }
        if let command = try decode(type: type, reader: &sub) { return command }
        return .unknown(type: type, bytes: [UInt8](UnsafeRawBufferPointer(rebasing: buffer[whole])))
    }

    @inline(never) static func decodeSend(_ reader: inout ProtobufReader) throws -> Command {
        .send(try CommandSend(reading: &reader))
    }

    @inline(never) static func decodeMessage(_ reader: inout ProtobufReader) throws -> Command {
        .message(try CommandMessage(reading: &reader))
    }

    @inline(never) static func decodeAck(_ reader: inout ProtobufReader) throws -> Command {
        .ack(try CommandAck(reading: &reader))
    }

    @inline(never) static func decodeFlow(_ reader: inout ProtobufReader) throws -> Command {
        .flow(try CommandFlow(reading: &reader))
    }

    @inline(never) static func decodeSendReceipt(_ reader: inout ProtobufReader) throws -> Command {
        .sendReceipt(try CommandSendReceipt(reading: &reader))
    }

    /// Appends the serialized `BaseCommand` to `writer`.
    @inlinable public func write(to writer: inout ProtobufWriter) {
        if case .unknown(_, let bytes) = self {
            writer.writeRaw(bytes)
            return
        }
        writer.writeSignedField(1, Int64(type.rawValue))
        writeSubCommand(to: &writer)
    }

    /// The serialized `BaseCommand`.
    public func serializedBytes() -> [UInt8] {
        var writer = ProtobufWriter()
        write(to: &writer)
        return writer.bytes
    }
}
