import PulsarSupport
import PulsarWire

extension BrokerState {
    mutating func handleAck(_ ack: CommandAck, from id: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
        let key = ConsumerKey(connection: id, consumerId: ack.consumerId)
        // Like the broker: an ACK for a consumer it does not know is dropped without an answer.
        guard let consumer = consumers[key], let topic = topics[consumer.topic],
              let subscription = topic.subscriptions[consumer.subscription] else { return }
        if ack.ackType == .cumulative {
            if subscription.type == .shared || subscription.type == .keyShared {
                // The broker ignores it (and still answers a successful ACK_RESPONSE when asked).
                if ack.hasRequestId {
                    outputs.send(.ackResponse(CommandAckResponse(consumerId: ack.consumerId, requestId: ack.requestId)), to: id)
                }
                return
            }
            // Like the managed cursor, a mark-delete beyond the last stored entry is refused ("Invalid mark deleted
            // position"): it would acknowledge messages not yet produced. The ACK_RESPONSE still reports success.
            if let messageId = ack.messageId.first,
               let through = topic.log.writtenPosition(ledgerId: messageId.ledgerId, entryId: messageId.entryId) {
                let partial = messageId.ackSet.isEmpty ? nil : messageId.ackSet
                subscription.cursor.acknowledgeCumulative(through: through, ackSet: partial)
                let released = subscription.pending.filter { $0.key <= through && subscription.cursor.isAcknowledged($0.key) }
                for (entryId, pending) in released {
                    consumers[pending.consumer]?.unackedMessages -= Int(pending.messageCount)
                    subscription.forgetAcknowledged(entryId)
                }
                subscription.redelivery.removeAll(through: partial == nil ? through : through - 1)
                subscription.redeliveryCounts = subscription.redeliveryCounts.filter { !subscription.cursor.isAcknowledged($0.key) }
            }
        } else {
            for messageId in ack.messageId {
                // A position not yet written is refused, as the cursor refuses it: it must not drop that message later.
                guard let entryId = topic.log.writtenPosition(ledgerId: messageId.ledgerId, entryId: messageId.entryId) else { continue }
                guard subscription.cursor.acknowledge(entryId, ackSet: messageId.ackSet.isEmpty ? nil : messageId.ackSet) else { continue }
                if let pending = subscription.pending[entryId] {
                    consumers[pending.consumer]?.unackedMessages -= Int(pending.messageCount)
                }
                subscription.forgetAcknowledged(entryId)
            }
        }
        if ack.hasRequestId {
            outputs.send(.ackResponse(CommandAckResponse(consumerId: ack.consumerId, requestId: ack.requestId)), to: id)
        }
        trimLog(topic: consumer.topic, now: now)
        if subscription.type == .keyShared {
            // Acks may lift a recently joined consumer's read limit.
            dispatch(topic: consumer.topic, subscription: consumer.subscription, now: now, into: &outputs)
        }
    }

    mutating func handleRedeliver(_ request: CommandRedeliverUnacknowledgedMessages, from id: ConnectionID, now: Int64,
                                  into outputs: inout BrokerOutputs) {
        let key = ConsumerKey(connection: id, consumerId: request.consumerId)
        guard let consumer = consumers[key], let topic = topics[consumer.topic],
              let subscription = topic.subscriptions[consumer.subscription] else { return }
        // The broker tracks redelivery counts on Shared and Key_Shared subscriptions only; Exclusive and Failover
        // redeliver with a count of 0, whatever happened before.
        let multiConsumer = subscription.type == .shared || subscription.type == .keyShared
        if !multiConsumer, request.hasConsumerEpoch, consumer.epoch.map({ request.consumerEpoch > $0 }) ?? true {
            consumers[key]?.epoch = request.consumerEpoch
        }
        let returned: Int
        if multiConsumer, !request.messageIds.isEmpty {
            let ids = Set(request.messageIds.compactMap { topic.log.writtenPosition(ledgerId: $0.ledgerId, entryId: $0.entryId) })
            returned = subscription.returnPending(of: key, only: ids, countAsRedelivery: true, isRedeliveryRequest: true)
        } else {
            // Exclusive and Failover rewind to the mark-delete position: everything unacknowledged comes again.
            returned = subscription.returnPending(of: key, countAsRedelivery: multiConsumer, isRedeliveryRequest: true)
        }
        consumers[key]?.unackedMessages -= returned
        dispatch(topic: consumer.topic, subscription: consumer.subscription, now: now, into: &outputs)
    }

    mutating func handleSeek(_ request: CommandSeek, from id: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
        // Like ServerCnx.handleSeek: the request is checked before the consumer is looked up.
        guard request.messageId != nil || request.hasMessagePublishTime else {
            replyError(request.requestId, .metadataError, "Message id and message publish time were not present",
                       to: id, into: &outputs)
            return
        }
        let key = ConsumerKey(connection: id, consumerId: request.consumerId)
        guard let consumer = consumers[key], let topic = topics[consumer.topic],
              topic.subscriptions[consumer.subscription] != nil else {
            replyError(request.requestId, .metadataError, "Consumer not found", to: id, into: &outputs)
            return
        }
        let position: Int64
        if let messageId = request.messageId {
            // The batch index is not used: the whole entry is read again and the client skips what it must.
            position = topic.log.position(nearest: messageId.ledgerId, entryId: messageId.entryId)
        } else {
            position = topic.log.firstEntry(publishedAtOrAfter: request.messagePublishTime)
        }
        // The seeking consumer is disconnected too; the answer comes after the reset, like the broker's.
        resetCursor(topic: consumer.topic, subscription: consumer.subscription, to: position, now: now, into: &outputs)
        outputs.send(.success(CommandSuccess(requestId: request.requestId)), to: id)
    }

    /// Moves a subscription's cursor to entry `position` (never before the first stored entry), as the broker's
    /// `PersistentSubscription.resetCursor` does for both SEEK and the admin `resetcursor`: every attached consumer
    /// gets CLOSE_CONSUMER, the cursor moves, pending, redelivery and delayed messages and redelivery counts are
    /// forgotten, and the consumers are removed, so their clients reconnect and read from the new position.
    mutating func resetCursor(topic name: TopicName, subscription subscriptionName: String, to position: Int64, now: Int64,
                              into outputs: inout BrokerOutputs) {
        guard let topic = topics[name], let subscription = topic.subscriptions[subscriptionName] else { return }
        let attached = subscription.consumers
        for key in attached {
            outputs.send(.closeConsumer(CommandCloseConsumer(consumerId: key.consumerId, requestId: UInt64.max)), to: key.connection)
        }
        subscription.cursor.reset(to: max(topic.log.firstEntryId, position))
        subscription.pending.removeAll()
        subscription.redelivery.removeAll()
        subscription.delayed.removeAll()
        subscription.redeliveryCounts.removeAll()
        for key in attached { removeConsumer(key, now: now, into: &outputs) }
    }

    /// Drops entries every durable subscription has acknowledged, as far as the retention policy allows (see
    /// ``EmulatorConfiguration/RetentionPolicy``).
    mutating func trimLog(topic name: TopicName, now: Int64? = nil) {
        guard let topic = topics[name], topic.isPersistent else { return }
        let durable = topic.subscriptions.values.filter(\.isDurable)
        let low = durable.map(\.cursor.markDeletePosition).min()
        if configuration.retention == .acknowledgedLedgers {
            let boundary = topic.log.trimBoundary(acknowledgedThrough: low)
            if boundary > topic.log.firstEntryId { topic.log.trim(before: boundary) }
            return
        }
        guard let low else { return }
        var boundary = low + 1
        switch configuration.retention {
        case .acknowledgedLedgers:
            return
        case .untilAcknowledged:
            break
        case .forever:
            return
        case .limits(let entries, let age):
            var keepFrom = boundary
            if let entries { keepFrom = min(keepFrom, max(topic.log.firstEntryId, topic.log.nextEntryId - Int64(entries))) }
            if let age, let now {
                let cutoff = now - age.wholeMilliseconds
                keepFrom = min(keepFrom, topic.log.firstEntry(publishedAtOrAfter: UInt64(max(0, cutoff))))
            } else if age != nil {
                keepFrom = topic.log.firstEntryId
            }
            boundary = keepFrom
        }
        guard boundary > topic.log.firstEntryId else { return }
        topic.log.trim(before: boundary)
    }
}
