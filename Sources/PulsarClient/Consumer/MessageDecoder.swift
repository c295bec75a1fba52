import PulsarWire

/// Turns a MESSAGE frame's entry into messages: metadata, decompression, batch unpacking. Never traps on bad input:
/// a corrupt entry becomes a ``Failure`` naming the validation error the broker is told about.
package enum MessageDecoder {
    /// Why an entry was discarded.
    package struct Failure: Error, Equatable {
        var reason: AckValidationError
        /// Permits the entry took (its announced batch size, or 1).
        var messageCount: Int
        /// What was wrong with it.
        package var message: String
    }

    /// The messages of `entry`, delivered by `command` on `topic` (partition index `partition`, consumer source
    /// `source`).
    static func decode(_ command: CommandMessage, entry: MessageEntry, topic: String, partition: Int32,
                       source: Int) -> Result<[Message], Failure> {
        decode(entry, ledgerId: Int64(bitPattern: command.messageId.ledgerId),
               entryId: Int64(bitPattern: command.messageId.entryId), redeliveryCount: command.redeliveryCount,
               topic: topic, partition: partition, source: source)
    }

    /// The messages of an entry stored at (`ledgerId`, `entryId`), as a consumer would receive them (a test harness
    /// peeks at a broker's stored entries with this).
    package static func decode(_ entry: MessageEntry, ledgerId ledger: Int64, entryId: Int64, redeliveryCount: UInt32,
                               topic: String, partition: Int32, source: Int) -> Result<[Message], Failure> {
        let metadata: MessageMetadata
        do {
            metadata = try entry.metadata()
        } catch {
            return .failure(Failure(reason: .batchDeserializeError, messageCount: 1, message: "undecodable metadata: \(error)"))
        }
        let count = metadata.hasNumMessagesInBatch ? Int(max(1, metadata.numMessagesInBatch)) : 1
        if !metadata.encryptionKeys.isEmpty {
            return .failure(Failure(reason: .decryptionError, messageCount: count, message: "encrypted messages are not supported"))
        }
        let payload: ArraySlice<UInt8>
        switch decompress(entry.payload, metadata: metadata) {
        case .success(let bytes): payload = bytes
        case .failure(let failure): return .failure(Failure(reason: failure.reason, messageCount: count, message: failure.message))
        }
        let deliverAt = metadata.hasDeliverAtTime ? UInt64(clamping: metadata.deliverAtTime) : nil
        guard metadata.hasNumMessagesInBatch else {
            let id = MessageID(ledgerId: ledger, entryId: entryId, partition: partition, batchIndex: -1, batchSize: 0)
            return .success([Message(
                messageID: id, payload: Array(payload), key: metadata.hasPartitionKey ? metadata.partitionKey : nil,
                orderingKey: metadata.hasOrderingKey ? metadata.orderingKey : nil,
                properties: properties(metadata.properties), eventTime: metadata.eventTime > 0 ? metadata.eventTime : nil,
                publishTime: metadata.publishTime, redeliveryCount: redeliveryCount, topic: topic,
                producerName: metadata.producerName, sequenceId: metadata.sequenceId, deliverAt: deliverAt,
                isNullValue: metadata.hasNullValue && metadata.nullValue, source: source)])
        }
        let batch: [BatchedMessage]
        do {
            batch = try BatchCodec.decode(payload, count: count)
        } catch {
            return .failure(Failure(reason: .batchDeserializeError, messageCount: count, message: "malformed batch: \(error)"))
        }
        var messages: [Message] = []
        messages.reserveCapacity(batch.count)
        for (index, item) in batch.enumerated() where !(item.metadata.hasCompactedOut && item.metadata.compactedOut) {
            let single = item.metadata
            let id = MessageID(ledgerId: ledger, entryId: entryId, partition: partition, batchIndex: Int32(index),
                               batchSize: Int32(count))
            messages.append(Message(
                messageID: id, payload: Array(item.payload), key: single.hasPartitionKey ? single.partitionKey : nil,
                orderingKey: single.hasOrderingKey ? single.orderingKey : nil, properties: properties(single.properties),
                eventTime: single.eventTime > 0 ? single.eventTime : nil, publishTime: metadata.publishTime,
                redeliveryCount: redeliveryCount, topic: topic, producerName: metadata.producerName,
                sequenceId: single.hasSequenceId ? single.sequenceId : metadata.sequenceId &+ UInt64(index),
                deliverAt: deliverAt, isNullValue: single.hasNullValue && single.nullValue, source: source))
        }
        return .success(messages)
    }

    private struct DecompressionFailure: Error {
        var reason: AckValidationError
        var message: String
    }

    private static func decompress(_ payload: ArraySlice<UInt8>,
                                   metadata: MessageMetadata) -> Result<ArraySlice<UInt8>, DecompressionFailure> {
        guard metadata.hasCompression, metadata.compression != .none else { return .success(payload) }
        guard let codec = PayloadCompression.Codec(rawValue: metadata.compression.rawValue) else {
            return .failure(DecompressionFailure(reason: .decompressionError,
                                                 message: "unsupported compression \(metadata.compression)"))
        }
        let size = Int(metadata.uncompressedSize)
        guard size <= PayloadCompression.maxUncompressedSize else {
            return .failure(DecompressionFailure(reason: .uncompressedSizeCorruption,
                                                 message: "uncompressed size \(size) exceeds the limit"))
        }
        do {
            return .success(try PayloadCompression.decompress(payload, codec: codec, uncompressedSize: size)[...])
        } catch {
            return .failure(DecompressionFailure(reason: .decompressionError, message: "\(codec) payload: \(error)"))
        }
    }

    /// Properties as a dictionary (the last value wins for a repeated key).
    static func properties(_ pairs: [KeyValue]) -> [String: String] {
        if pairs.isEmpty { return [:] }
        var result: [String: String] = [:]
        result.reserveCapacity(pairs.count)
        for pair in pairs { result[pair.key] = pair.value }
        return result
    }
}
