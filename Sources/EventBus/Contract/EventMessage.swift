/// One event handed to a ``ConsumerHandler``: Coze Studio's `eventbus.Message` (topic, group, body) plus what it
/// lacks: key, properties, message id, redelivery count and publish time.
public struct EventMessage: Sendable, Equatable {
    /// The topic as configured in the registration (`opencoze_knowledge`, not the fully qualified name, and not the
    /// retry-letter topic a retried message came back through).
    public var topic: String
    /// The registration's group.
    public var group: String
    /// The body as published.
    public var body: [UInt8]
    /// The sharding key it was published with, if any.
    public var key: String?
    /// Application properties (retried messages also carry the client's `RECONSUMETIMES`, `REAL_TOPIC` …).
    public var properties: [String: String]
    /// Where the message is stored (on the retry-letter topic for a retried message).
    public var messageID: MessageID
    /// How many times the message came back before: the broker's count, or the retries made under a
    /// ``RetryPolicy`` (the `RECONSUMETIMES` property). 0 on first delivery. (On an Exclusive subscription the broker
    /// does not count redeliveries after a negative acknowledgement, so without a retry policy this stays 0.)
    public var redeliveryCount: Int
    /// When the producer published it, in milliseconds since the Unix epoch.
    public var publishTime: UInt64

    /// Creates a message (handlers receive them; tests of a handler build their own).
    public init(topic: String, group: String, body: [UInt8], key: String? = nil, properties: [String: String] = [:],
                messageID: MessageID = MessageID(ledgerId: 0, entryId: 0), redeliveryCount: Int = 0,
                publishTime: UInt64 = 0) {
        self.topic = topic
        self.group = group
        self.body = body
        self.key = key
        self.properties = properties
        self.messageID = messageID
        self.redeliveryCount = redeliveryCount
        self.publishTime = publishTime
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var string: String { String(decoding: body, as: UTF8.self) }

    /// The event for a received `message` of the registration `topic` / `group`.
    init(_ message: Message, topic: String, group: String) {
        let retries = Int(message.properties["RECONSUMETIMES"] ?? "") ?? 0
        self.init(topic: topic, group: group, body: message.payload, key: message.key, properties: message.properties,
                  messageID: message.messageID, redeliveryCount: max(Int(message.redeliveryCount), retries),
                  publishTime: message.publishTime)
    }
}
