import PulsarWire

/// An entry handed to a consumer and not yet acknowledged.
struct PendingEntry: Equatable {
    /// Who has it.
    var consumer: ConsumerKey
    /// Messages it holds (what it cost in permits).
    var messageCount: Int32
}

/// A subscription on one topic: its cursor plus what the dispatcher needs to hand entries to consumers.
final class Subscription: @unchecked Sendable {  // only used under the broker lock; a reference type like Topic
    /// The subscription's name.
    let name: String
    /// Exclusive, Shared, Failover or Key_Shared; fixed by the first consumer while consumers are attached.
    var type: SubscriptionType
    /// Durable subscriptions outlive their consumers; non-durable ones (readers) end with their consumer.
    let isDurable: Bool
    /// Acknowledgement state.
    var cursor: Cursor
    /// Attached consumers, in the order they subscribed.
    var consumers: [ConsumerKey] = []
    /// Entries dispatched and not acknowledged, by entry id.
    var pending: [Int64: PendingEntry] = [:]
    /// Entries to dispatch again before any new ones (nacked, redelivered, or left by a departed consumer).
    var redelivery = SortedEntryIDs()
    /// Entries held back by delayed delivery until their time (Shared and Key_Shared only).
    var delayed = SortedEntryIDs()
    /// How many times each entry was redelivered (sent to clients as `redelivery_count`).
    var redeliveryCounts: [Int64: UInt32] = [:]
    /// Round-robin position for Shared dispatch.
    var roundRobin = 0
    /// The active consumer of an Exclusive or Failover subscription, as last announced.
    var announcedActive: ConsumerKey?
    /// Key_Shared policy of the first consumer (mode and whether out-of-order delivery is allowed).
    var keySharedMeta: KeySharedMeta?
    /// Consistent-hash ring over the current consumers, rebuilt when they change.
    var hashRing: (consumers: [ConsumerKey], ring: ConsistentHashRing)?
    /// Subscription properties given at creation.
    var properties: [KeyValue] = []
    /// Messages delivered to consumers, for statistics.
    var messagesDelivered = 0
    /// Messages redelivered, for statistics.
    var messagesRedelivered = 0

    /// Creates a subscription whose first unacknowledged entry is `start`.
    init(name: String, type: SubscriptionType, isDurable: Bool, start: Int64) {
        self.name = name
        self.type = type
        self.isDurable = isDurable
        self.cursor = Cursor(firstUnacknowledged: start)
    }

    /// Entries that were sent once and are now due again, after acknowledged ones are dropped.
    func pruneAcknowledged() {
        while let first = redelivery.first, cursor.isAcknowledged(first) { redelivery.removeFirst() }
    }

    /// Puts every pending entry of `consumer` back for redelivery. `countAsRedelivery` bumps their redelivery count
    /// (what MESSAGE carries, Shared and Key_Shared only); `isRedeliveryRequest` counts them in the statistics (a
    /// nack, an ack timeout or an explicit request, on any subscription type; not a departing consumer).
    func returnPending(of consumer: ConsumerKey, only ids: Set<Int64>? = nil, countAsRedelivery: Bool,
                       isRedeliveryRequest: Bool = false) -> Int {
        var returned = 0
        for (id, entry) in pending where entry.consumer == consumer && (ids?.contains(id) ?? true) {
            pending[id] = nil
            guard !cursor.isAcknowledged(id) else { continue }
            redelivery.insert(id)
            if countAsRedelivery { redeliveryCounts[id, default: 0] += 1 }
            if isRedeliveryRequest { messagesRedelivered += Int(entry.messageCount) }
            returned += Int(entry.messageCount)
        }
        return returned
    }

    /// Forgets dispatch state for entries the cursor now counts as acknowledged.
    func forgetAcknowledged(_ id: Int64) {
        pending[id] = nil
        redelivery.remove(id)
        delayed.remove(id)
        redeliveryCounts[id] = nil
    }

    /// Forgets dispatch state for every entry up to and including `id` (cumulative acknowledgement).
    func forgetAcknowledged(through id: Int64) {
        pending = pending.filter { $0.key > id }
        redelivery.removeAll(through: id)
        delayed.removeAll(through: id)
        redeliveryCounts = redeliveryCounts.filter { $0.key > id }
    }
}
