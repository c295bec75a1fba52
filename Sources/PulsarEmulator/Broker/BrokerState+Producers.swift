import PulsarSupport
import PulsarWire

extension BrokerState {
    mutating func handleProducer(_ request: CommandProducer, from id: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
        let key = ProducerKey(connection: id, producerId: request.producerId)
        guard let name = parseTopic(request.topic, requestId: request.requestId, from: id, into: &outputs) else { return }
        guard authorize(.produce, name, requestId: request.requestId, from: id, into: &outputs) else { return }
        if let existing = producers[key] {
            // A client retrying a PRODUCER it already got an answer for gets the same answer.
            if existing.topic == name, existing.isReady {
                outputs.send(.producerSuccess(producerSuccess(for: existing, requestId: request.requestId)), to: id)
            } else {
                replyError(request.requestId, .producerBusy, "Producer id \(request.producerId) is already in use on this connection",
                           to: id, into: &outputs)
            }
            return
        }
        if request.hasProducerName, let refusal = nameRefusal(request.producerName, kind: "Producer") {
            replyError(request.requestId, .notAllowedError, refusal, to: id, into: &outputs)
            return
        }
        if let refusal = perConnectionRefusal("producers", open: connections[id]?.producers.count ?? 0,
                                              limit: configuration.limits.maxProducersPerConnection) {
            replyError(request.requestId, .producerBusy, refusal, to: id, into: &outputs)
            return
        }
        let topicName: TopicName
        switch resolveTopic(name, create: true) {
        case .success(let resolved): topicName = resolved
        case .failure(let failure):
            replyError(request.requestId, failure.error, failure.message, to: id, into: &outputs)
            return
        }
        let topic = topics[topicName]!
        let producerName = request.hasProducerName && !request.producerName.isEmpty ? request.producerName : makeName()
        if topic.producerNames.contains(producerName) {
            replyError(request.requestId, .producerBusy,
                       "Producer with name '\(producerName)' is already connected to topic", to: id, into: &outputs)
            return
        }
        let mode = request.producerAccessMode
        // An exclusive producer is always alone on its topic (exclusive modes wait for, or fence, every other one), so
        // looking at the first producer is enough: no scan over thousands of shared producers.
        let exclusiveHolder = topic.producers.first.flatMap { first in
            producers[first].map { $0.accessMode != .shared } == true ? first : nil
        }
        // Access modes as the broker's AbstractTopic.incrementTopicEpochIfNeeded decides them.
        let holderName = exclusiveHolder.flatMap { producers[$0]?.name } ?? ""
        let exclusiveTaken = exclusiveHolder != nil || !topic.waitingProducers.isEmpty
        var ready = true
        switch mode {
        case .shared:
            if exclusiveTaken {
                replyError(request.requestId, .producerBusy, "Topic has an existing exclusive producer: \(holderName)",
                           to: id, into: &outputs)
                return
            }
        case .exclusive:
            if exclusiveTaken || !topic.producers.isEmpty {
                replyError(request.requestId, .producerFenced, exclusiveTaken
                           ? "Topic has an existing exclusive producer: \(holderName)" : "Topic has existing shared producers",
                           to: id, into: &outputs)
                return
            }
        case .exclusiveWithFencing:
            for waiting in topic.waitingProducers {
                // A queued producer's pending PRODUCER fails; the producers in place are closed.
                if let queued = producers[waiting] {
                    replyError(queued.requestId, .producerFenced, "Fenced out", to: waiting.connection, into: &outputs)
                }
                dropProducer(waiting, from: topic)
            }
            for current in topic.producers {
                outputs.send(.closeProducer(CommandCloseProducer(producerId: current.producerId, requestId: UInt64.max)),
                             to: current.connection)
                dropProducer(current, from: topic)
            }
        case .waitForExclusive:
            if exclusiveTaken || !topic.producers.isEmpty { ready = false }
        default:
            replyError(request.requestId, .notAllowedError, "Unknown producer access mode \(mode)", to: id, into: &outputs)
            return
        }
        if mode != .shared, ready {
            // A producer that reconnects with an epoch older than the topic's was replaced meanwhile: it is fenced.
            if request.hasTopicEpoch, let current = topic.topicEpoch, request.topicEpoch < current {
                replyError(request.requestId, .producerFenced,
                           "Topic epoch has already moved. Current epoch: \(current), Producer epoch: \(request.topicEpoch)",
                           to: id, into: &outputs)
                return
            }
            topic.topicEpoch = request.hasTopicEpoch ? request.topicEpoch : topic.topicEpoch.map { $0 + 1 } ?? 0
        }
        let schemaVersion: [UInt8]?
        switch registerSchema(request.schema, for: topicName) {
        case .success(let version): schemaVersion = version
        case .failure(let failure):
            replyError(request.requestId, failure.error, failure.message, to: id, into: &outputs)
            return
        }
        var producer = ProducerState(key: key, topic: topicName, name: producerName, accessMode: mode, isReady: ready,
                                     requestId: request.requestId, connectedSince: now)
        producer.schemaVersion = schemaVersion
        producers[key] = producer
        connections[id]?.producers.insert(request.producerId)
        if ready { topic.producers.append(key) } else { topic.waitingProducers.append(key) }
        topic.producerNames.insert(producerName)
        outputs.send(.producerSuccess(producerSuccess(for: producer, requestId: request.requestId)), to: id)
    }

    private func producerSuccess(for producer: ProducerState, requestId: UInt64) -> CommandProducerSuccess {
        let topic = topics[producer.topic]
        // Like Commands.newProducerSuccessCommand: schema_version always (empty without a schema), producer_ready
        // always, the topic epoch once the producer is in place and the topic has one.
        var success = CommandProducerSuccess(requestId: requestId, producerName: producer.name,
                                             lastSequenceId: producer.isReady && deduplicationEnabled(namespace: producer.topic.namespaceName)
                                                 && topic?.isPersistent == true ? topic?.lastSequenceIds[producer.name] ?? -1 : -1)
        success.schemaVersion = producer.schemaVersion ?? []
        if producer.isReady, let epoch = topic?.topicEpoch { success.topicEpoch = epoch }
        success.producerReady = producer.isReady
        return success
    }

    mutating func handleSend(_ send: CommandSend, entry: MessageEntry?, from id: ConnectionID, now: Int64,
                             into outputs: inout BrokerOutputs) {
        let key = ProducerKey(connection: id, producerId: send.producerId)
        guard let producer = producers[key] else {
            // Like the broker: a SEND for a producer that is not (or no longer) attached closes the connection.
            refuseConnection(id, "Received message, but the producer \(send.producerId) is not ready", into: &outputs)
            return
        }
        guard producer.isReady else {
            outputs.send(.sendError(CommandSendError(producerId: send.producerId, sequenceId: send.sequenceId,
                                                     error: .notAllowedError, message: "Producer is not ready")), to: id)
            return
        }
        guard let entry else {
            refuseConnection(id, "SEND without a message payload", into: &outputs)
            return
        }
        let metadata: MessageMetadata
        do {
            metadata = try entry.metadata()
        } catch {
            outputs.send(.sendError(CommandSendError(producerId: send.producerId, sequenceId: send.sequenceId,
                                                     error: .unknownError, message: "Cannot parse message metadata: \(error)")), to: id)
            return
        }
        let messageCount = max(1, metadata.hasNumMessagesInBatch ? metadata.numMessagesInBatch : send.numMessages)
        let highestSequenceId = send.hasHighestSequenceId && send.highestSequenceId > send.sequenceId
            ? send.highestSequenceId : send.sequenceId
        // SEND_RECEIPT always carries highest_sequence_id: the SEND's when it names a range, else -1 (like the broker).
        let receiptHighest = send.hasHighestSequenceId && send.sequenceId <= send.highestSequenceId
            ? send.highestSequenceId : UInt64.max
        let topic = topics[producer.topic]!
        // Every chunk of a chunked message carries the message's sequence id; like the broker, only the last chunk
        // takes part in deduplication.
        let isLeadingChunk = metadata.hasChunkId && metadata.chunkId < metadata.numChunksFromMsg - 1
        if !isLeadingChunk, topic.isPersistent, deduplicationEnabled(namespace: producer.topic.namespaceName),
           let last = topic.lastSequenceIds[producer.name],
           Int64(bitPattern: send.sequenceId) <= last {
            // Deduplication: a sequence id already stored is acknowledged with (-1, -1) and not stored again.
            outputs.send(.sendReceipt(CommandSendReceipt(producerId: send.producerId, sequenceId: send.sequenceId,
                                                         messageId: MessageIdData(ledgerId: UInt64.max, entryId: UInt64.max),
                                                         highestSequenceId: receiptHighest)), to: id)
            return
        }
        let entryId: Int64
        let ledgersBefore = topic.log.ledgers.count
        if topic.isPersistent {
            entryId = entry.bytes.withUnsafeBytes { bytes in
                topic.log.append(bytes, messageCount: messageCount, isBatch: metadata.hasNumMessagesInBatch,
                                 publishTime: metadata.publishTime,
                                 deliverAt: metadata.hasDeliverAtTime ? metadata.deliverAtTime : 0,
                                 keyHash: Self.stickyKeyHash(metadata))
            }
        } else {
            entryId = topic.log.nextEntryId
        }
        if !isLeadingChunk { topic.lastSequenceIds[producer.name] = Int64(bitPattern: highestSequenceId) }
        topic.messagesIn += Int(messageCount)
        topic.bytesIn += entry.bytes.count
        producers[key]?.messagesIn += Int(messageCount)
        producers[key]?.bytesIn += entry.bytes.count
        // Non-persistent topics store nothing: the broker acknowledges them with (0, 0).
        let receiptId = topic.isPersistent ? topic.log.messageIdData(at: entryId, partition: nil)
            : MessageIdData(ledgerId: 0, entryId: 0)
        let receipt = CommandSendReceipt(producerId: send.producerId, sequenceId: send.sequenceId, messageId: receiptId,
                                         highestSequenceId: receiptHighest)
        outputs.send(.sendReceipt(receipt), to: id)
        if topic.isPersistent {
            // A ledger just closed: under the default retention it may go at once (no durable subscription).
            if topic.log.ledgers.count > ledgersBefore { trimLog(topic: producer.topic, now: now) }
            dispatchAll(topic: producer.topic, now: now, into: &outputs)
        } else {
            entry.bytes.withUnsafeBytes { bytes in
                deliverNonPersistent(topic: producer.topic, entryId: entryId, bytes: bytes, messageCount: messageCount,
                                     keyHash: Self.stickyKeyHash(metadata), into: &outputs)
            }
        }
    }

    /// CLOSE_PRODUCER: SUCCESS, also for a producer the broker does not know (like the broker).
    mutating func handleCloseProducer(_ request: CommandCloseProducer, from id: ConnectionID, into outputs: inout BrokerOutputs) {
        removeProducer(ProducerKey(connection: id, producerId: request.producerId), into: &outputs)
        outputs.send(.success(CommandSuccess(requestId: request.requestId)), to: id)
    }

    /// Detaches a producer (closed by its client or its connection gone); promotes a waiting exclusive producer.
    mutating func removeProducer(_ key: ProducerKey, into outputs: inout BrokerOutputs) {
        guard let producer = producers.removeValue(forKey: key) else { return }
        connections[key.connection]?.producers.remove(key.producerId)
        guard let topic = topics[producer.topic] else { return }
        detachProducer(key, name: producer.name, from: topic)
        if topic.producers.isEmpty, let next = topic.waitingProducers.first, var waiting = producers[next] {
            topic.waitingProducers.removeFirst()
            topic.producers.append(next)
            topic.topicEpoch = topic.topicEpoch.map { $0 + 1 } ?? 0
            waiting.isReady = true
            producers[next] = waiting
            outputs.send(.producerSuccess(producerSuccess(for: waiting, requestId: waiting.requestId)), to: next.connection)
        }
    }

    /// Removes a producer the broker itself ends (fenced out).
    private mutating func dropProducer(_ key: ProducerKey, from topic: Topic) {
        detachProducer(key, name: producers[key]?.name, from: topic)
        producers[key] = nil
        connections[key.connection]?.producers.remove(key.producerId)
    }

    private func detachProducer(_ key: ProducerKey, name: String?, from topic: Topic) {
        if let index = topic.producers.lastIndex(of: key) {
            topic.producers.remove(at: index)
        } else if let index = topic.waitingProducers.firstIndex(of: key) {
            topic.waitingProducers.remove(at: index)
        }
        if let name { topic.producerNames.remove(name) }
    }

    /// Why a subscription, producer or consumer name is refused (longer than the configured limit), or nil.
    func nameRefusal(_ name: String, kind: String) -> String? {
        let limit = configuration.limits.maxNameLength
        guard limit > 0, name.utf8.count > limit else { return nil }
        return "\(kind) name is \(name.utf8.count) bytes long; the limit is \(limit)"
    }

    /// Why a connection that has `open` producers (or consumers) may not open another under `limit` (0: none), or nil.
    func perConnectionRefusal(_ what: String, open: Int, limit: Int) -> String? {
        guard limit > 0, open >= limit else { return nil }
        return "This connection already has \(limit) \(what), the emulator's limit per connection"
    }

    /// Whether deduplication applies in `namespace`: its policy if set, else the broker-wide setting.
    func deduplicationEnabled(namespace: String) -> Bool {
        deduplicationByNamespace[namespace] ?? configuration.deduplication
    }

    /// The Key_Shared sticky-key hash of an entry: non-negative Murmur3 of the ordering key, else the partition key
    /// (base64-decoded when flagged), else the broker's `NONE_KEY`. Hash-range selectors use it modulo 65,536.
    static func stickyKeyHash(_ metadata: MessageMetadata) -> Int32 {
        let key: [UInt8]
        if metadata.hasOrderingKey {
            key = metadata.orderingKey
        } else if metadata.hasPartitionKey {
            key = metadata.partitionKeyB64Encoded ? ((try? Base64.decode(metadata.partitionKey)) ?? Array(metadata.partitionKey.utf8))
                : Array(metadata.partitionKey.utf8)
        } else {
            key = Array("NONE_KEY".utf8)
        }
        return Murmur3.pulsarHash(key)
    }
}
