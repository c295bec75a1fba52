/// A message received by a ``Consumer`` or a ``Reader``.
public struct Message: Sendable, Equatable, CustomStringConvertible {
    /// Where the message is stored; pass it (or the message) to acknowledge.
    public var messageID: MessageID
    /// The message body.
    public var payload: [UInt8]
    /// The message key (`partition_key`), used for routing, Key_Shared and compaction.
    public var key: String?
    /// The ordering key, which overrides the key for Key_Shared dispatch.
    public var orderingKey: [UInt8]?
    /// Application properties.
    public var properties: [String: String]
    /// The application's event time, in milliseconds since the Unix epoch, if the producer set one.
    public var eventTime: UInt64?
    /// When the producer published the message, in milliseconds since the Unix epoch.
    public var publishTime: UInt64
    /// How many times the broker redelivered this message (counted on Shared and Key_Shared subscriptions only).
    public var redeliveryCount: UInt32
    /// The topic the message came from (the partition's name for partitioned topics).
    public var topic: String
    /// The name of the producer that published the message.
    public var producerName: String
    /// The producer's sequence id of the message.
    public var sequenceId: UInt64
    /// When the broker was asked to deliver the message, in milliseconds since the Unix epoch, if delayed.
    public var deliverAt: UInt64?
    /// Whether the producer sent a null value (a tombstone for compaction).
    public var isNullValue: Bool
    /// Which of the consumer's subscriptions (topic or partition) delivered it.
    var source: Int

    /// The payload decoded as UTF-8 (invalid sequences replaced).
    public var string: String { String(decoding: payload, as: UTF8.self) }

    /// `Message(id, n bytes, key)`.
    public var description: String {
        "Message(\(messageID), \(payload.count) bytes\(key.map { ", key \($0)" } ?? "")\(redeliveryCount > 0 ? ", redelivered \(redeliveryCount)" : ""))"
    }

    init(messageID: MessageID, payload: [UInt8], key: String? = nil, orderingKey: [UInt8]? = nil,
         properties: [String: String] = [:], eventTime: UInt64? = nil, publishTime: UInt64 = 0, redeliveryCount: UInt32 = 0,
         topic: String = "", producerName: String = "", sequenceId: UInt64 = 0, deliverAt: UInt64? = nil,
         isNullValue: Bool = false, source: Int = 0) {
        self.messageID = messageID
        self.payload = payload
        self.key = key
        self.orderingKey = orderingKey
        self.properties = properties
        self.eventTime = eventTime
        self.publishTime = publishTime
        self.redeliveryCount = redeliveryCount
        self.topic = topic
        self.producerName = producerName
        self.sequenceId = sequenceId
        self.deliverAt = deliverAt
        self.isNullValue = isNullValue
        self.source = source
    }
}
