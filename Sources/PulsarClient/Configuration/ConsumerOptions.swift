import PulsarWire

/// Consumer settings. Defaults follow the Go client: Exclusive, start at Latest for a new subscription, receiver
/// queue 1000 (FLOW permits refilled at half), acknowledgements grouped for 100 ms or 1000 ids, negative
/// acknowledgements redelivered after 60 s, no ack timeout, no dead-letter policy.
public struct ConsumerOptions: Sendable {
    /// Exclusive, Shared, Failover or Key_Shared.
    public var subscriptionType: SubscriptionType = .exclusive
    /// Where a new subscription starts: `.latest` (only new messages) or `.earliest`.
    public var initialPosition: InitialPosition = .latest
    /// Messages the broker may push ahead of the application; FLOW refills permits once half were consumed.
    public var receiverQueueSize = 1000
    /// The consumer name (Failover picks the active consumer by name); random when nil.
    public var consumerName: String?
    /// Individual acknowledgements are sent together at most this long after the first one (zero: at once).
    public var ackGroupingInterval: Duration = .milliseconds(100)
    /// …or as soon as this many are waiting.
    public var ackGroupingMaxSize = 1000
    /// A negatively acknowledged message is redelivered after this delay.
    public var nackRedeliveryDelay: Duration = .seconds(60)
    /// A message received and not acknowledged within this time is redelivered; nil disables the ack timeout.
    public var ackTimeout: Duration?
    /// Redelivery limit and dead-letter / retry-letter topics; nil disables them.
    public var deadLetterPolicy: DeadLetterPolicy?
    /// Also consume the retry-letter topic and allow ``Consumer/reconsumeLater(_:delay:properties:)``.
    /// Needs a ``deadLetterPolicy``; like the Java client, retried messages come back through the retry topic.
    public var retryEnabled = false
    /// Acknowledge single messages of a batch on the broker (ack sets) instead of whole entries once complete.
    public var batchIndexAcknowledgment = false
    /// Shared subscriptions: lower values are served first.
    public var priorityLevel: Int32 = 0
    /// Key_Shared: allow out-of-order delivery when consumers join (the broker's `allowOutOfOrderDelivery`).
    public var keySharedAllowOutOfOrderDelivery = false
    /// Read the compacted view of the topic.
    public var readCompacted = false
    /// Consumer properties, sent in SUBSCRIBE.
    public var properties: [String: String] = [:]
    /// Subscription properties, set when the subscription is created.
    public var subscriptionProperties: [String: String] = [:]
    /// Told about every corrupt entry the consumer skipped (bad checksum, undecodable metadata, decompression or
    /// batch failure); such entries are acknowledged with the reason so the broker does not resend them.
    /// Called on the connection's I/O thread: it must not block.
    public var corruptMessageHandler: (@Sendable (PulsarClientError) -> Void)?

    /// The defaults.
    public init() {}

    /// Checks the settings.
    func validate() throws {
        func fail(_ message: String) -> PulsarClientError { PulsarClientError(.invalidConfiguration, message) }
        guard receiverQueueSize >= 1 else { throw fail("receiverQueueSize must be at least 1") }
        guard ackGroupingMaxSize >= 1 else { throw fail("ackGroupingMaxSize must be at least 1") }
        guard ackGroupingInterval >= .zero, nackRedeliveryDelay >= .zero else { throw fail("delays must not be negative") }
        if let ackTimeout, ackTimeout <= .zero { throw fail("ackTimeout must be positive") }
        if let policy = deadLetterPolicy, policy.maxRedeliverCount < 1 { throw fail("maxRedeliverCount must be at least 1") }
        if retryEnabled, deadLetterPolicy == nil { throw fail("retryEnabled needs a deadLetterPolicy") }
        if subscriptionType != .exclusive, subscriptionType != .shared, subscriptionType != .failover,
           subscriptionType != .keyShared {
            throw fail("unknown subscription type \(subscriptionType)")
        }
    }
}

/// When to give up on a message: after `maxRedeliverCount` redeliveries it goes to the dead-letter topic instead of
/// back to the consumer (and is acknowledged on its own subscription), like the Java client.
///
/// The broker counts redeliveries on Shared and Key_Shared subscriptions only, so on Exclusive and Failover
/// subscriptions only ``Consumer/reconsumeLater(_:delay:properties:)`` (which counts in a property) reaches the limit.
public struct DeadLetterPolicy: Sendable, Equatable {
    /// Deliveries after the first one before the message goes to the dead-letter topic.
    public var maxRedeliverCount: Int
    /// The dead-letter topic; `<topic>-<subscription>-DLQ` when nil.
    public var deadLetterTopic: String?
    /// The retry-letter topic; `<topic>-<subscription>-RETRY` when nil.
    public var retryLetterTopic: String?
    /// A subscription created on the dead-letter topic with its producer, so nothing sent there is lost.
    public var initialSubscriptionName: String?

    /// A policy with the default topic names.
    public init(maxRedeliverCount: Int, deadLetterTopic: String? = nil, retryLetterTopic: String? = nil,
                initialSubscriptionName: String? = nil) {
        self.maxRedeliverCount = maxRedeliverCount
        self.deadLetterTopic = deadLetterTopic
        self.retryLetterTopic = retryLetterTopic
        self.initialSubscriptionName = initialSubscriptionName
    }
}

/// Reader settings.
public struct ReaderOptions: Sendable {
    /// Messages the broker may push ahead of the application.
    public var receiverQueueSize = 1000
    /// Also return the message at the start id itself (by default a reader starts after it).
    public var startMessageIdInclusive = false
    /// The reader's subscription name; `reader-<random>` when nil.
    public var subscriptionName: String?
    /// Read the compacted view of the topic.
    public var readCompacted = false

    /// The defaults.
    public init() {}
}

/// Property names the Java client uses on retry- and dead-letter copies; this client writes and reads the same.
enum RetryLetterProperty {
    static let realTopic = "REAL_TOPIC"
    static let originMessageId = "ORIGIN_MESSAGE_ID"
    static let reconsumeTimes = "RECONSUMETIMES"
    static let delayTime = "DELAY_TIME"
}
