import PulsarWire

/// A topic's state at one instant, for assertions in tests.
public struct TopicSnapshot: Sendable, Equatable {
    /// Full topic name.
    public var name: String
    /// Whether the topic stores messages.
    public var isPersistent: Bool
    /// Entries currently stored (a batch is one entry).
    public var storedEntries: Int
    /// Messages currently stored (batches count their messages).
    public var storedMessages: Int
    /// Bytes of stored entries.
    public var storedBytes: Int
    /// Log position of the first stored entry. Positions count every entry the topic ever stored from 0, across
    /// ledgers; a message id's entry id restarts at 0 in each ledger.
    public var firstEntryId: Int64
    /// Log position of the last stored entry; -1 before any (and always on non-persistent topics).
    public var lastEntryId: Int64
    /// Messages published since the topic was created.
    public var messagesIn: Int
    /// Messages dispatched to consumers since the topic was created.
    public var messagesOut: Int
    /// Non-persistent messages dropped for lack of a consumer with permits.
    public var messagesDropped: Int
    /// Connected producers.
    public var producers: [ProducerSnapshot]
    /// Subscriptions, sorted by name.
    public var subscriptions: [SubscriptionSnapshot]

    /// The subscription named `name`, if any.
    public func subscription(_ name: String) -> SubscriptionSnapshot? { subscriptions.first { $0.name == name } }
}

/// A producer's state.
public struct ProducerSnapshot: Sendable, Equatable {
    /// The producer's name.
    public var name: String
    /// Its access mode.
    public var accessMode: ProducerAccessMode
    /// False while waiting for exclusive access.
    public var isReady: Bool
    /// Messages it published.
    public var messagesIn: Int
    /// The connection it uses.
    public var connection: ConnectionID
}

/// A subscription's state.
public struct SubscriptionSnapshot: Sendable, Equatable {
    /// The subscription's name.
    public var name: String
    /// Its type.
    public var type: SubscriptionType
    /// Durable subscriptions outlive their consumers.
    public var isDurable: Bool
    /// Messages not yet acknowledged (the backlog), including those out with consumers.
    public var backlog: Int
    /// Messages dispatched to consumers and not yet acknowledged.
    public var unacknowledged: Int
    /// Messages dispatched since the subscription was created (redeliveries included).
    public var delivered: Int
    /// Messages redelivered after a nack, a redelivery request or an ack timeout.
    public var redelivered: Int
    /// Entries waiting for their delayed-delivery time.
    public var delayedEntries: Int
    /// Every entry up to this log position (see ``TopicSnapshot/firstEntryId``) is acknowledged.
    public var markDeletePosition: Int64
    /// Attached consumers in subscription order.
    public var consumers: [ConsumerSnapshot]
}

/// A consumer's state.
public struct ConsumerSnapshot: Sendable, Equatable {
    /// The consumer's name.
    public var name: String
    /// Permits the broker still holds (messages it may push).
    public var permits: Int
    /// Messages dispatched to it and not yet acknowledged.
    public var unacknowledged: Int
    /// Messages dispatched to it.
    public var messagesOut: Int
    /// The connection it uses.
    public var connection: ConnectionID
}

/// A connection's state.
public struct ConnectionSnapshot: Sendable, Equatable {
    /// The connection's id.
    public var id: ConnectionID
    /// The peer's address.
    public var remoteAddress: String
    /// The client's version string from CONNECT.
    public var clientVersion: String
    /// Negotiated protocol version.
    public var protocolVersion: Int32
    /// The authenticated role, when authentication is on.
    public var role: String?
    /// Producers on this connection.
    public var producerCount: Int
    /// Consumers on this connection.
    public var consumerCount: Int
}

extension BrokerState {
    func snapshot(of name: TopicName) -> TopicSnapshot? {
        guard let topic = topics[name] else { return nil }
        let producerSnapshots = (topic.producers + topic.waitingProducers).compactMap { key -> ProducerSnapshot? in
            guard let producer = producers[key] else { return nil }
            return ProducerSnapshot(name: producer.name, accessMode: producer.accessMode, isReady: producer.isReady,
                                    messagesIn: producer.messagesIn, connection: key.connection)
        }
        let subscriptionSnapshots = topic.subscriptions.keys.sorted().compactMap { subscriptionName -> SubscriptionSnapshot? in
            guard let subscription = topic.subscriptions[subscriptionName] else { return nil }
            let consumerSnapshots = subscription.consumers.compactMap { key -> ConsumerSnapshot? in
                guard let consumer = consumers[key] else { return nil }
                return ConsumerSnapshot(name: consumer.name, permits: consumer.permits, unacknowledged: consumer.unackedMessages,
                                        messagesOut: consumer.messagesOut, connection: key.connection)
            }
            return SubscriptionSnapshot(
                name: subscriptionName, type: subscription.type, isDurable: subscription.isDurable,
                backlog: topic.isPersistent ? backlog(of: subscription, in: topic) : 0,
                unacknowledged: subscription.pending.values.reduce(0) { $0 + Int($1.messageCount) },
                delivered: subscription.messagesDelivered, redelivered: subscription.messagesRedelivered,
                delayedEntries: subscription.delayed.count,
                markDeletePosition: subscription.cursor.markDeletePosition, consumers: consumerSnapshots)
        }
        return TopicSnapshot(
            name: name.description, isPersistent: topic.isPersistent, storedEntries: topic.log.count,
            storedMessages: topic.log.messageCount, storedBytes: topic.log.storedBytes, firstEntryId: topic.log.firstEntryId,
            lastEntryId: topic.log.lastEntryId, messagesIn: topic.messagesIn, messagesOut: topic.messagesOut,
            messagesDropped: topic.messagesDropped, producers: producerSnapshots, subscriptions: subscriptionSnapshots)
    }
}

extension PulsarEmulator {
    /// Full names of every topic, sorted.
    public func topicNames() -> [String] {
        core.read { state in state.topics.keys.sorted().map(\.description) }
    }

    /// The state of a topic (any accepted name form), or nil if it does not exist.
    public func topic(_ name: String) -> TopicSnapshot? {
        guard let parsed = try? TopicName(name) else { return nil }
        return core.read { $0.snapshot(of: parsed) }
    }

    /// The state of one subscription, or nil.
    public func subscription(_ name: String, topic: String) -> SubscriptionSnapshot? {
        self.topic(topic)?.subscription(name)
    }

    /// Every open client connection.
    public func connections() -> [ConnectionSnapshot] {
        core.read { state in
            state.connections.keys.sorted().compactMap { id in
                guard let connection = state.connections[id] else { return nil }
                return ConnectionSnapshot(id: id, remoteAddress: connection.remoteAddress, clientVersion: connection.clientVersion,
                                          protocolVersion: connection.protocolVersion, role: connection.role,
                                          producerCount: connection.producers.count, consumerCount: connection.consumers.count)
            }
        }
    }

    /// The payloads of the stored entries of a topic, in order (raw entry payloads: batches are not unpacked).
    public func storedEntries(topic name: String) -> [MessageEntry] {
        storedEntriesWithIDs(topic: name).map(\.entry)
    }

    /// The stored entries of a topic with their (ledger id, entry id), in order: what a test harness peeks at.
    package func storedEntriesWithIDs(topic name: String) -> [(ledgerId: Int64, entryId: Int64, entry: MessageEntry)] {
        guard let parsed = try? TopicName(name) else { return [] }
        return core.read { state in
            guard let topic = state.topics[parsed] else { return [] }
            var entries: [(ledgerId: Int64, entryId: Int64, entry: MessageEntry)] = []
            var position = topic.log.firstEntryId
            while position <= topic.log.lastEntryId {
                if let bytes = topic.log.withBytes(position, { [UInt8]($0) }), let entry = try? MessageEntry(parsing: bytes[...]) {
                    let id = topic.log.messageId(at: position)
                    entries.append((Int64(bitPattern: id.ledgerId), id.entryId, entry))
                }
                position += 1
            }
            return entries
        }
    }

    /// The last frames the broker received, oldest first (empty unless the configuration's
    /// `frameJournalCapacity` asked for them).
    package func recentFrames() -> [JournaledFrame] { core.recentFrames() }
}
