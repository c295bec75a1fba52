import PulsarSupport
import PulsarWire

/// A message accepted by a producer, stamped with its publish time, not yet encoded.
struct OutgoingMessage: Equatable, Sendable {
    /// The body.
    var payload: [UInt8]
    /// Key, properties, event time, explicit sequence id.
    var options: SendOptions
    /// Milliseconds since the epoch when the application sent it.
    var publishTime: UInt64
    /// The absolute delivery time (ms) when delayed.
    var deliverAt: UInt64?

    /// Creates a message; `deliverAt` is resolved from the options (`deliverAfter` counts from `publishTime`).
    init(payload: [UInt8], options: SendOptions = SendOptions(), publishTime: UInt64) {
        self.payload = payload
        self.options = options
        self.publishTime = publishTime
        if let at = options.deliverAt {
            deliverAt = at
        } else if let after = options.deliverAfter {
            deliverAt = publishTime &+ UInt64(max(0, after.wholeMilliseconds))
        }
    }
}

/// The messages of one batched entry, laid out as they go on the wire (`[size][SingleMessageMetadata][payload]…`),
/// built as messages arrive so that closing the batch only compresses and frames it.
struct ProducerBatch {
    private(set) var buffer: [UInt8] = []
    private(set) var count = 0
    private(set) var firstSequenceId: UInt64 = 0
    private(set) var lastSequenceId: UInt64 = 0
    private(set) var publishTime: UInt64 = 0
    private var firstKey: String?
    private var firstOrderingKey: [UInt8]?

    /// Payload bytes so far (what `batchingMaxBytes` limits).
    var byteCount: Int { buffer.count }

    /// True before the first message.
    var isEmpty: Bool { count == 0 }

    /// Appends a message with its sequence id.
    mutating func add(_ message: OutgoingMessage, sequenceId: UInt64) {
        if count == 0 {
            firstSequenceId = sequenceId
            publishTime = message.publishTime
            firstKey = message.options.key
            firstOrderingKey = message.options.orderingKey
            buffer.reserveCapacity(4096)
        }
        lastSequenceId = sequenceId
        count += 1
        let options = message.options
        let metadata = SingleMessageMetadata(
            properties: MessageEncoder.keyValues(options.properties), partitionKey: options.key,
            payloadSize: Int32(message.payload.count), eventTime: options.eventTime, orderingKey: options.orderingKey,
            sequenceId: sequenceId, nullValue: options.isNullValue ? true : nil)
        BatchCodec.append(metadata, payload: message.payload, to: &buffer)
    }

    /// The SEND frame for the batch.
    ///
    /// - Throws: ``PulsarClientError/Code/messageTooLarge`` if the (compressed) batch exceeds `maxMessageSize`.
    func encode(producerName: String, producerId: UInt64, compression: PayloadCompression.Codec,
                maxMessageSize: Int) throws -> [UInt8] {
        var metadata = MessageMetadata(producerName: producerName, sequenceId: firstSequenceId, publishTime: publishTime,
                                       partitionKey: firstKey, numMessagesInBatch: Int32(count),
                                       orderingKey: firstOrderingKey)
        let payload = try MessageEncoder.compress(buffer, codec: compression, into: &metadata)
        guard payload.count <= maxMessageSize else {
            throw PulsarClientError(.messageTooLarge, "batch of \(payload.count) bytes exceeds the broker's limit of \(maxMessageSize)")
        }
        let send = CommandSend(producerId: producerId, sequenceId: firstSequenceId, numMessages: Int32(count),
                               highestSequenceId: count > 1 ? lastSequenceId : nil)
        var frame: [UInt8] = []
        frame.reserveCapacity(payload.count + 128)
        FrameEncoder.encode(.send(send), metadata: metadata, payload: payload, into: &frame)
        return frame
    }
}

/// Encoding of single (non-batched) messages and of the parts batches share.
enum MessageEncoder {
    /// Properties in wire form, sorted by key so that equal messages encode identically.
    static func keyValues(_ properties: [String: String]) -> [KeyValue] {
        if properties.isEmpty { return [] }
        return properties.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: $0.value) }
    }

    /// Compresses `payload` with `codec`, recording the codec and uncompressed size in `metadata`.
    static func compress(_ payload: [UInt8], codec: PayloadCompression.Codec,
                         into metadata: inout MessageMetadata) throws -> [UInt8] {
        guard codec != .none else { return payload }
        metadata.compression = CompressionType(rawValue: codec.rawValue)
        metadata.uncompressedSize = UInt32(payload.count)
        do {
            return try PayloadCompression.compress(payload, codec: codec)
        } catch {
            throw PulsarClientError(.messageTooLarge, "cannot compress \(payload.count) bytes: \(error)")
        }
    }

    /// The SEND frame of one message sent on its own (batching off, or a delayed message).
    static func single(_ message: OutgoingMessage, sequenceId: UInt64, producerName: String, producerId: UInt64,
                       compression: PayloadCompression.Codec, maxMessageSize: Int) throws -> [UInt8] {
        let options = message.options
        var metadata = MessageMetadata(
            producerName: producerName, sequenceId: sequenceId, publishTime: message.publishTime,
            properties: keyValues(options.properties), partitionKey: options.key, eventTime: options.eventTime,
            orderingKey: options.orderingKey, deliverAtTime: message.deliverAt.map { Int64(clamping: $0) },
            nullValue: options.isNullValue ? true : nil)
        let payload = try compress(message.payload, codec: compression, into: &metadata)
        guard payload.count <= maxMessageSize else {
            throw PulsarClientError(.messageTooLarge, "message of \(payload.count) bytes exceeds the broker's limit of \(maxMessageSize)")
        }
        var frame: [UInt8] = []
        frame.reserveCapacity(payload.count + 128)
        FrameEncoder.encode(.send(CommandSend(producerId: producerId, sequenceId: sequenceId)), metadata: metadata,
                            payload: payload, into: &frame)
        return frame
    }
}
