import PulsarAuth
import PulsarWire

/// A topic's statistics as the admin API and `/metrics` report them (the broker's `TopicStats`). Rates are 0: the
/// emulator counts, it does not sample over time.
struct AdminTopicStats: Equatable {
    var messagesIn = 0
    var bytesIn = 0
    var messagesOut = 0
    var bytesOut = 0
    var storageSize = 0
    var backlogSize = 0
    var publishers: [AdminPublisherStats] = []
    var waitingPublishers = 0
    /// Sorted by name.
    var subscriptions: [AdminSubscriptionStats] = []
    var topicEpoch: UInt64?

    /// Messages not acknowledged, summed over subscriptions (`pulsar_msg_backlog`).
    var backlog: Int { subscriptions.reduce(0) { $0 + $1.backlog } }
    /// Attached consumers over all subscriptions.
    var consumerCount: Int { subscriptions.reduce(0) { $0 + $1.consumers.count } }

    /// Adds another partition's figures (partitioned stats): counters add up, subscriptions merge by name.
    mutating func merge(_ other: AdminTopicStats) {
        messagesIn += other.messagesIn
        bytesIn += other.bytesIn
        messagesOut += other.messagesOut
        bytesOut += other.bytesOut
        storageSize += other.storageSize
        backlogSize += other.backlogSize
        publishers += other.publishers
        waitingPublishers += other.waitingPublishers
        for subscription in other.subscriptions {
            if let index = subscriptions.firstIndex(where: { $0.name == subscription.name }) {
                subscriptions[index].merge(subscription)
            } else {
                subscriptions.append(subscription)
            }
        }
        subscriptions.sort { $0.name < $1.name }
    }

    /// The broker's JSON field names and order.
    var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("msgRateIn", 0.0), ("msgThroughputIn", 0.0), ("msgRateOut", 0.0), ("msgThroughputOut", 0.0),
            ("bytesInCounter", .number(bytesIn)), ("msgInCounter", .number(messagesIn)),
            ("bytesOutCounter", .number(bytesOut)), ("msgOutCounter", .number(messagesOut)),
            ("averageMsgSize", .double(messagesIn == 0 ? 0 : Double(bytesIn) / Double(messagesIn))),
            ("msgChunkPublished", false), ("storageSize", .number(storageSize)), ("backlogSize", .number(backlogSize)),
            ("publishRateLimitedTimes", 0), ("earliestMsgPublishTimeInBacklogs", 0), ("offloadedStorageSize", 0),
            ("lastOffloadLedgerId", 0), ("lastOffloadSuccessTimeStamp", 0), ("lastOffloadFailureTimeStamp", 0),
            ("ongoingTxnCount", 0), ("abortedTxnCount", 0), ("committedTxnCount", 0),
            ("publishers", .array(publishers.map(\.json))), ("waitingPublishers", .number(waitingPublishers)),
            ("subscriptions", .object(subscriptions.map { ($0.name, $0.json) })),
            ("replication", [:]), ("deduplicationStatus", "Disabled"),
            ("nonContiguousDeletedMessagesRanges", .number(subscriptions.reduce(0) { $0 + $1.nonContiguousRanges })),
            ("nonContiguousDeletedMessagesRangesSerializedSize", 0), ("delayedMessageIndexSizeInBytes", 0),
            ("compaction", ["lastCompactionRemovedEventCount": 0, "lastCompactionSucceedTimestamp": 0,
                            "lastCompactionFailedTimestamp": 0, "lastCompactionDurationTimeInMills": 0]),
        ]
        if let topicEpoch { fields.append(("topicEpoch", .number(topicEpoch))) }
        return .object(fields)
    }
}

/// One producer (`PublisherStats`).
struct AdminPublisherStats: Equatable {
    var producerId: UInt64
    var name: String
    var accessMode: String
    var address: String
    var connectedSince: String
    var clientVersion: String

    var json: JSONValue {
        ["accessMode": .string(accessMode), "msgRateIn": 0.0, "msgThroughputIn": 0.0, "averageMsgSize": 0.0,
         "chunkedMessageRate": 0.0, "producerId": .number(producerId), "supportsPartialProducer": false,
         "producerName": .string(name), "address": .string(address), "connectedSince": .string(connectedSince),
         "clientVersion": .string(clientVersion), "metadata": [:]]
    }
}

/// One subscription (`SubscriptionStats`).
struct AdminSubscriptionStats: Equatable {
    var name: String
    var type: String
    var isDurable: Bool
    var backlog = 0
    var backlogSize = 0
    var delayed = 0
    var unacknowledged = 0
    var messagesOut = 0
    var bytesOut = 0
    var nonContiguousRanges = 0
    var activeConsumerName: String?
    var consumers: [AdminConsumerStats] = []

    mutating func merge(_ other: AdminSubscriptionStats) {
        backlog += other.backlog
        backlogSize += other.backlogSize
        delayed += other.delayed
        unacknowledged += other.unacknowledged
        messagesOut += other.messagesOut
        bytesOut += other.bytesOut
        nonContiguousRanges += other.nonContiguousRanges
        consumers += other.consumers
        if type == "None" { type = other.type }
    }

    var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("msgRateOut", 0.0), ("msgThroughputOut", 0.0), ("bytesOutCounter", .number(bytesOut)),
            ("msgOutCounter", .number(messagesOut)), ("msgRateRedeliver", 0.0), ("messageAckRate", 0.0),
            ("chunkedMessageRate", 0), ("msgBacklog", .number(backlog)), ("backlogSize", .number(backlogSize)),
            ("earliestMsgPublishTimeInBacklog", 0), ("msgBacklogNoDelayed", .number(backlog - delayed)),
            ("blockedSubscriptionOnUnackedMsgs", false), ("msgDelayed", .number(delayed)),
            ("unackedMessages", .number(unacknowledged)), ("type", .string(type)),
        ]
        if let activeConsumerName { fields.append(("activeConsumerName", .string(activeConsumerName))) }
        fields += [
            ("msgRateExpired", 0.0), ("totalMsgExpired", 0), ("lastExpireTimestamp", 0), ("lastConsumedFlowTimestamp", 0),
            ("lastConsumedTimestamp", 0), ("lastAckedTimestamp", 0), ("lastMarkDeleteAdvancedTimestamp", 0),
            ("consumers", .array(consumers.map(\.json))), ("isDurable", .bool(isDurable)), ("isReplicated", false),
            ("allowOutOfOrderDelivery", false), ("consumersAfterMarkDeletePosition", [:]),
            ("nonContiguousDeletedMessagesRanges", .number(nonContiguousRanges)),
            ("nonContiguousDeletedMessagesRangesSerializedSize", 0), ("delayedMessageIndexSizeInBytes", 0),
            ("subscriptionProperties", [:]), ("filterProcessedMsgCount", 0), ("filterAcceptedMsgCount", 0),
            ("filterRejectedMsgCount", 0), ("filterRescheduledMsgCount", 0), ("durable", .bool(isDurable)),
            ("replicated", false),
        ]
        return .object(fields)
    }
}

/// One consumer (`ConsumerStats`).
struct AdminConsumerStats: Equatable {
    var name: String
    var messagesOut: Int
    var bytesOut: Int
    var permits: Int
    var unacknowledged: Int
    var address: String
    var connectedSince: String
    var clientVersion: String

    var json: JSONValue {
        ["msgRateOut": 0.0, "msgThroughputOut": 0.0, "bytesOutCounter": .number(bytesOut), "msgOutCounter": .number(messagesOut),
         "msgRateRedeliver": 0.0, "messageAckRate": 0.0, "chunkedMessageRate": 0.0, "consumerName": .string(name),
         "availablePermits": .number(max(0, permits)), "unackedMessages": .number(max(0, unacknowledged)),
         "avgMessagesPerEntry": 0, "blockedConsumerOnUnackedMsgs": false, "address": .string(address),
         "connectedSince": .string(connectedSince), "clientVersion": .string(clientVersion), "lastAckedTimestamp": 0,
         "lastConsumedTimestamp": 0, "lastConsumedFlowTimestamp": 0, "metadata": [:]]
    }
}

extension BrokerState {
    /// Statistics of one topic (or partition), or nil if it does not exist.
    func adminTopicStats(_ name: TopicName) -> AdminTopicStats? {
        guard let topic = topics[name] else { return nil }
        var stats = AdminTopicStats(messagesIn: topic.messagesIn, bytesIn: topic.bytesIn, messagesOut: topic.messagesOut,
                                    bytesOut: topic.bytesOut, storageSize: topic.log.storedBytes)
        stats.publishers = topic.producers.compactMap { key in
            guard let producer = producers[key] else { return nil }
            return AdminPublisherStats(producerId: key.producerId, name: producer.name,
                                       accessMode: producer.accessMode.name ?? "Shared", address: address(of: key.connection),
                                       connectedSince: Self.isoTimestamp(producer.connectedSince),
                                       clientVersion: connections[key.connection]?.clientVersion ?? "")
        }
        stats.waitingPublishers = topic.waitingProducers.count
        if topic.producers.contains(where: { producers[$0].map { $0.accessMode != .shared } ?? false }) {
            stats.topicEpoch = topic.topicEpoch
        }
        stats.subscriptions = topic.subscriptions.keys.sorted().compactMap { subscriptionName in
            topic.subscriptions[subscriptionName].map { subscriptionStats($0, in: topic) }
        }
        stats.backlogSize = stats.subscriptions.filter(\.isDurable).map(\.backlogSize).max() ?? 0
        return stats
    }

    private func subscriptionStats(_ subscription: Subscription, in topic: Topic) -> AdminSubscriptionStats {
        var stats = AdminSubscriptionStats(name: subscription.name, type: subscription.type.name ?? "None",
                                           isDurable: subscription.isDurable)
        if topic.isPersistent {
            stats.backlog = backlog(of: subscription, in: topic)
            var id = max(subscription.cursor.markDeletePosition + 1, topic.log.firstEntryId)
            while id <= topic.log.lastEntryId {
                if !subscription.cursor.isAcknowledged(id), let entry = topic.log.entry(id) {
                    stats.backlogSize += Int(entry.location.length)
                }
                id += 1
            }
            stats.delayed = subscription.delayed.reduce(0) { $0 + Int(topic.log.entry($1)?.messageCount ?? 0) }
            stats.nonContiguousRanges = Self.ranges(of: subscription.cursor.individuallyAcked).count
        }
        stats.unacknowledged = subscription.pending.values.reduce(0) { $0 + Int($1.messageCount) }
        stats.messagesOut = subscription.messagesDelivered
        if subscription.type == .exclusive || subscription.type == .failover,
           let active = activeConsumer(of: subscription, topic: topic.name) {
            stats.activeConsumerName = consumers[active]?.name
        }
        stats.consumers = subscription.consumers.compactMap { key in
            guard let consumer = consumers[key] else { return nil }
            return AdminConsumerStats(name: consumer.name, messagesOut: consumer.messagesOut, bytesOut: consumer.bytesOut,
                                      permits: consumer.permits, unacknowledged: consumer.unackedMessages,
                                      address: address(of: key.connection),
                                      connectedSince: Self.isoTimestamp(consumer.connectedSince),
                                      clientVersion: connections[key.connection]?.clientVersion ?? "")
        }
        stats.bytesOut = stats.consumers.reduce(0) { $0 + $1.bytesOut }
        return stats
    }

    /// The managed-ledger view of a topic (`internalStats`), or nil if it does not exist.
    func adminInternalStats(_ name: TopicName) -> JSONValue? {
        guard let topic = topics[name] else { return nil }
        let log = topic.log
        let added = topic.isPersistent ? log.nextEntryId : 0
        var cursors: [(String, JSONValue)] = []
        for subscriptionName in topic.subscriptions.keys.sorted() {
            guard let subscription = topic.subscriptions[subscriptionName], subscription.isDurable else { continue }
            let cursor = subscription.cursor
            let unacknowledgedEntries = backlogEntries(of: subscription, in: topic)
            let ranges = Self.ranges(of: cursor.individuallyAcked)
            let deleted = ranges.map { "(\(log.positionText($0.lowerBound - 1))..\(log.positionText($0.upperBound))]" }
                .joined(separator: ",")
            cursors.append((subscriptionName, .object([
                ("markDeletePosition", .string(log.positionText(cursor.markDeletePosition))),
                ("readPosition", .string(log.positionText(max(cursor.readPosition, cursor.markDeletePosition + 1)))),
                ("waitingReadOp", .bool(!subscription.consumers.isEmpty && cursor.readPosition > log.lastEntryId)),
                ("pendingReadOps", 0),
                ("messagesConsumedCounter", .number(added - Int64(unacknowledgedEntries))),
                ("cursorLedger", -1), ("cursorLedgerLastEntry", -1),
                ("individuallyDeletedMessages", .string("[\(deleted)]")),
                ("lastLedgerSwitchTimestamp", ""), ("state", "Open"), ("active", .bool(!subscription.consumers.isEmpty)),
                ("numberOfEntriesSinceFirstNotAckedMessage", .number(max(1, cursor.readPosition - cursor.markDeletePosition))),
                ("totalNonContiguousDeletedMessagesRange", .number(ranges.count)),
                ("subscriptionHavePendingRead", false), ("subscriptionHavePendingReplayRead", false), ("properties", [:]),
            ])))
        }
        let size = topic.isPersistent ? log.storedBytes : 0
        let entries = topic.isPersistent ? log.count : 0
        let current = log.currentLedger
        let last = log.lastMessageId
        let ledgers = log.ledgers.filter { $0.endPosition > log.firstEntryId || $0 == current }.map { ledger -> JSONValue in
            ["ledgerId": .number(Int64(bitPattern: ledger.id)), "entries": .number(ledger.entryCount),
             "size": .number(Int64(ledger.byteCount)), "offloaded": false, "underReplicated": false]
        }
        return .object([
            ("entriesAddedCounter", .number(added)), ("numberOfEntries", .number(entries)), ("totalSize", .number(size)),
            ("currentLedgerEntries", .number(current.entryCount)), ("currentLedgerSize", .number(Int64(current.byteCount))),
            ("lastLedgerCreatedTimestamp", ""), ("waitingCursorsCount", 0), ("pendingAddEntriesCount", 0),
            ("lastConfirmedEntry", .string("\(Int64(bitPattern: last.ledgerId)):\(last.entryId)")), ("state", "LedgerOpened"),
            ("ledgers", .array(ledgers)),
            ("cursors", .object(cursors)), ("schemaLedgers", []),
            ("compactedLedger", ["ledgerId": -1, "entries": -1, "size": -1, "offloaded": false, "underReplicated": false]),
        ])
    }

    /// Runs of consecutive ids, ascending.
    static func ranges(of ids: SortedEntryIDs) -> [ClosedRange<Int64>] {
        var ranges: [ClosedRange<Int64>] = []
        for id in ids {
            if let last = ranges.last, last.upperBound + 1 == id {
                ranges[ranges.count - 1] = last.lowerBound...id
            } else {
                ranges.append(id...id)
            }
        }
        return ranges
    }

    /// A connection's peer address the way the broker prints it (`/127.0.0.1:54321`).
    func address(of connection: ConnectionID) -> String {
        guard let remote = connections[connection]?.remoteAddress else { return "" }
        return remote.hasPrefix("/") || remote.hasPrefix("memory") ? remote : "/" + remote
    }

    /// `2024-05-01T12:34:56.789Z` for milliseconds since the epoch.
    static func isoTimestamp(_ milliseconds: Int64) -> String {
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let inDay = milliseconds - days * 86_400_000
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(inDay / 3_600_000, 2)):\(pad(inDay / 60_000 % 60, 2))"
            + ":\(pad(inDay / 1000 % 60, 2)).\(pad(inDay % 1000, 3))Z"
    }
}
