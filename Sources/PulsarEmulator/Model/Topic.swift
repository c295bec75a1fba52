import PulsarWire

/// A topic: its log (persistent topics only), subscriptions and producers. A reference type on purpose: the broker
/// mutates topics in place under its lock, and a value copy of a topic holding a million-entry log would be copied
/// on every write.
final class Topic: @unchecked Sendable {  // only used under the broker lock
    /// The full name.
    let name: TopicName
    /// The partition index message ids carry: the index for a partition, -1 otherwise.
    let partitionIndexOnWire: Int32
    /// Stored entries; empty and unused for non-persistent topics.
    var log: TopicLog
    /// Subscriptions by name.
    var subscriptions: [String: Subscription] = [:]
    /// Attached producers, in the order they were created.
    var producers: [ProducerKey] = []
    /// Producers waiting for exclusive access (WaitForExclusive), in arrival order.
    var waitingProducers: [ProducerKey] = []
    /// Names of the producers above (attached or waiting): names are unique per topic, and checking that must not
    /// cost a scan of every producer.
    var producerNames: Set<String> = []
    /// Bumped whenever an exclusive producer takes over; fences older exclusive producers.
    var topicEpoch: UInt64?
    /// Highest sequence id stored per producer name (deduplication and PRODUCER_SUCCESS.last_sequence_id).
    var lastSequenceIds: [String: Int64] = [:]
    /// Messages and bytes published, for statistics.
    var messagesIn = 0
    /// Bytes published.
    var bytesIn = 0
    /// Messages dispatched to consumers.
    var messagesOut = 0
    /// Bytes dispatched to consumers.
    var bytesOut = 0
    /// Non-persistent messages dropped because no consumer could take them.
    var messagesDropped = 0

    /// Creates an empty topic whose ledgers get ids from `ledgerIds` and roll over by `rollover`.
    init(name: TopicName, ledgerIds: LedgerIDAllocator, rollover: LedgerRollover = LedgerRollover()) {
        self.name = name
        partitionIndexOnWire = Int32(clamping: name.partitionIndex ?? -1)
        self.log = TopicLog(ledgerIds: ledgerIds, rollover: rollover)
    }

    /// Whether entries are stored.
    var isPersistent: Bool { name.isPersistent }
}

/// A producer attached to a topic.
struct ProducerState {
    /// Connection and client-chosen id.
    let key: ProducerKey
    /// The topic it publishes to.
    let topic: TopicName
    /// Its (unique per topic) name.
    let name: String
    /// Access mode requested.
    let accessMode: ProducerAccessMode
    /// False while queued for exclusive access.
    var isReady: Bool
    /// The request id of its PRODUCER command, to answer again once ready.
    let requestId: UInt64
    /// When it was created, milliseconds since the epoch.
    let connectedSince: Int64
    /// Schema version registered with this producer's schema, sent back in PRODUCER_SUCCESS.
    var schemaVersion: [UInt8]?
    /// Messages published.
    var messagesIn = 0
    /// Bytes published.
    var bytesIn = 0
}

/// A consumer attached to a subscription.
struct ConsumerState {
    /// Connection and client-chosen id.
    let key: ConsumerKey
    /// The topic.
    let topic: TopicName
    /// The subscription's name.
    let subscription: String
    /// The consumer's name (given or generated).
    let name: String
    /// Shared: lower number = higher priority. Failover: orders the choice of the active consumer.
    let priorityLevel: Int32
    /// Key_Shared hash ranges (STICKY) given by the consumer, inclusive, over `hash % 65536`.
    let hashRanges: [ClosedRange<Int32>]
    /// Key_Shared "recently joined" rule: a consumer that joined while entries were out with others gets no entry at or
    /// beyond this id until everything before it is acknowledged, so no key is served out of order.
    var keySharedReadLimit: Int64?
    /// The consumer epoch (SUBSCRIBE's `consumer_epoch`, raised by REDELIVER): Exclusive and Failover MESSAGEs carry
    /// it, so the client can drop messages that were already on their way when it asked for redelivery.
    var epoch: UInt64?
    /// Messages the broker may still push (FLOW adds, every dispatched message removes; may go below zero for a batch).
    var permits = 0
    /// Messages dispatched and not yet acknowledged.
    var unackedMessages = 0
    /// Messages dispatched.
    var messagesOut = 0
    /// Bytes dispatched.
    var bytesOut = 0
    /// When it subscribed, milliseconds since the epoch.
    let connectedSince: Int64
}

/// Durable subscriptions given to partitions at or above `fromIndex` when they are first used, recorded when a
/// partitioned topic grows (the broker creates them on the new partitions at once).
struct PartitionSeed: Equatable {
    /// The partition count before the topic grew.
    var fromIndex: Int
    /// Durable subscriptions the existing partitions had.
    var subscriptions: Set<String>
}
