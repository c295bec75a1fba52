/// Per-message options of ``Producer/send(_:options:)``: key, properties, times, sequence id.
public struct SendOptions: Sendable, Equatable {
    /// The message key (`partition_key`): picks the partition and the Key_Shared consumer.
    public var key: String?
    /// The ordering key: overrides the key for Key_Shared dispatch (not for partition routing).
    public var orderingKey: [UInt8]?
    /// Application properties.
    public var properties: [String: String]
    /// The application's event time, in milliseconds since the Unix epoch.
    public var eventTime: UInt64?
    /// Ask the broker to deliver the message this long after publishing (Shared and Key_Shared subscriptions only;
    /// other subscription types deliver at once, like Apache Pulsar). Such messages are never batched.
    public var deliverAfter: Duration?
    /// Ask the broker to deliver the message at this time, in milliseconds since the Unix epoch (as ``deliverAfter``).
    public var deliverAt: UInt64?
    /// An explicit sequence id (for broker-side deduplication); must increase. Nil: the producer numbers messages.
    public var sequenceId: UInt64?
    /// Send a null value (a compaction tombstone); the payload must be empty.
    public var isNullValue: Bool

    /// Creates options; everything is unset by default.
    public init(key: String? = nil, orderingKey: [UInt8]? = nil, properties: [String: String] = [:],
                eventTime: UInt64? = nil, deliverAfter: Duration? = nil, deliverAt: UInt64? = nil,
                sequenceId: UInt64? = nil, isNullValue: Bool = false) {
        self.key = key
        self.orderingKey = orderingKey
        self.properties = properties
        self.eventTime = eventTime
        self.deliverAfter = deliverAfter
        self.deliverAt = deliverAt
        self.sequenceId = sequenceId
        self.isNullValue = isNullValue
    }

    /// True when the message asks for delayed delivery (and so must travel alone, not in a batch).
    var isDelayed: Bool { deliverAfter != nil || deliverAt != nil }
}
