/// One message inside a batched entry.
public struct BatchedMessage: Sendable, Equatable {
    /// Per-message metadata: key, properties, event time, sequence id, null value.
    public var metadata: SingleMessageMetadata
    /// The message's payload (empty for a null value). Shares storage with the batch it came from.
    public var payload: ArraySlice<UInt8>

    /// Creates a batched message; `metadata.payloadSize` is set from `payload`.
    public init(metadata: SingleMessageMetadata, payload: ArraySlice<UInt8>) {
        self.metadata = metadata
        self.metadata.payloadSize = Int32(payload.count)
        self.payload = payload
    }
}

/// The batch payload layout (after decompression):
///
/// ```
///  ┌──────────────┬───────────────────────┬──────────────────────┐
///  │ smmSize u32  │ SingleMessageMetadata │ payload_size bytes   │  × num_messages_in_batch
///  └──────────────┴───────────────────────┴──────────────────────┘
/// ```
public enum BatchCodec {
    /// Splits a batch payload into its `count` messages without copying payloads.
    ///
    /// - Throws: ``WireError/Code/malformedBatch`` if the payload does not hold `count` well-formed messages.
    public static func decode(_ payload: ArraySlice<UInt8>, count: Int) throws -> [BatchedMessage] {
        guard count >= 0 else { throw WireError(.malformedBatch, "negative batch size \(count)") }
        var messages: [BatchedMessage] = []
        messages.reserveCapacity(min(count, payload.count / 6 + 1))
        var position = payload.startIndex
        let end = payload.endIndex
        for index in 0..<count {
            guard end - position >= 4 else {
                throw WireError(.malformedBatch, "batch ends before message \(index) of \(count)")
            }
            let metadataSize = Int(payload.readUInt32BE(at: position))
            position += 4
            guard metadataSize <= end - position else {
                throw WireError(.malformedBatch, "metadata size \(metadataSize) of message \(index) runs past the batch")
            }
            let metadata: SingleMessageMetadata
            do {
                metadata = try SingleMessageMetadata(serializedBytes: payload[position..<(position + metadataSize)])
            } catch let error as WireError {
                throw WireError(.malformedBatch, "message \(index): \(error.message)")
            }
            position += metadataSize
            let size = Int(metadata.payloadSize)
            guard size >= 0, size <= end - position else {
                throw WireError(.malformedBatch, "payload size \(size) of message \(index) runs past the batch")
            }
            messages.append(BatchedMessage(metadata: metadata, payload: payload[position..<(position + size)]))
            position += size
        }
        return messages
    }

    /// Appends one message in batch layout to `buffer`, setting `payload_size` from `payload`.
    public static func append(_ metadata: SingleMessageMetadata, payload: some Collection<UInt8>, to buffer: inout [UInt8]) {
        var metadata = metadata
        metadata.payloadSize = Int32(payload.count)
        let sizeIndex = buffer.count
        buffer.append(contentsOf: [0, 0, 0, 0])
        var writer = ProtobufWriter(capacity: 0)
        swap(&writer.bytes, &buffer)
        metadata.write(to: &writer)
        swap(&writer.bytes, &buffer)
        buffer.setUInt32BE(UInt32(buffer.count - sizeIndex - 4), at: sizeIndex)
        buffer.append(contentsOf: payload)
    }

    /// The batch payload for `messages`.
    public static func encode(_ messages: [BatchedMessage]) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(messages.reduce(0) { $0 + $1.payload.count + 32 })
        for message in messages { append(message.metadata, payload: message.payload, to: &buffer) }
        return buffer
    }
}
