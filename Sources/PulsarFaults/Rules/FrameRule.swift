import PulsarWire

/// Which frames a ``FrameRule`` matches. Every field set must match; an empty rule matches every frame.
public struct FrameMatch: Sendable, Equatable {
    /// `upstream` (client → broker) or `downstream`; nil matches both.
    public var direction: ToxicStream?
    /// Command types by their protocol names (`SEND`, `MESSAGE`, `PING` …); empty matches every command.
    public var commands: Set<String>
    /// A topic (short names are completed as Pulsar does: `t` is `persistent://public/default/t`); a partitioned
    /// topic matches its partitions. The proxy learns each producer's and consumer's topic from its PRODUCER and
    /// SUBSCRIBE, so SEND, MESSAGE, ACK and the rest match by topic too.
    public var topic: String?
    /// The producer id the frame names.
    public var producerId: UInt64?
    /// The consumer id the frame names.
    public var consumerId: UInt64?
    /// The request id the frame carries.
    public var requestId: UInt64?

    /// A match; every argument left out matches anything.
    public init(direction: ToxicStream? = nil, commands: Set<String> = [], topic: String? = nil, producerId: UInt64? = nil,
                consumerId: UInt64? = nil, requestId: UInt64? = nil) {
        self.direction = direction
        self.commands = Set(commands.map { $0.uppercased() })
        self.topic = topic
        self.producerId = producerId
        self.consumerId = consumerId
        self.requestId = requestId
    }
}

/// What a ``FrameRule`` does to a frame it fires on.
public enum FrameAction: Sendable, Equatable {
    /// The frame is not forwarded.
    case drop
    /// The frame is forwarded unchanged; the rule only counts it (``FaultProxy/ruleFirings``), as evidence that a
    /// frame (an AUTH_CHALLENGE, a CLOSE_PRODUCER) went by.
    case observe
    /// The frame, and so everything behind it in that direction, waits this long.
    case delay(milliseconds: Int)
    /// The frame is forwarded twice.
    case duplicate
    /// The frame is held and forwarded right after the next frame in the same direction.
    case reorderWithNext
    /// The frame's payload checksum is damaged (frames without a payload pass unchanged).
    case corruptChecksum
    /// The request is not forwarded: the proxy answers it with this error as the broker would (ERROR, SEND_ERROR, a
    /// failed LOOKUP_RESPONSE …). Frames that are not requests pass unchanged.
    case refuse(ServerError, message: String = FrameAction.refusalMessage)
    /// The frame is forwarded, and the client then gets CLOSE_PRODUCER for the frame's producer.
    case closeProducer
    /// The frame is forwarded, and the client then gets CLOSE_CONSUMER for the frame's consumer.
    case closeConsumer

    /// The message of a ``refuse(_:message:)`` that names none.
    public static let refusalMessage = "Refused by the PulsarKit fault proxy"
}

/// A rule the proxy applies to decoded Pulsar frames: what it matches, what it does, and when it fires. A value,
/// tested without sockets (``FrameRuleBook``).
public struct FrameRule: Sendable, Equatable {
    /// Unique per proxy.
    public var name: String
    /// Which frames it looks at.
    public var match: FrameMatch
    /// What it does when it fires.
    public var action: FrameAction
    /// It fires at most this many times (nil: no limit).
    public var count: Int?
    /// The first `after` matching frames pass; it fires from the next one on.
    public var after: Int
    /// The chance that it fires on a frame that qualifies (decided by the proxy's seeded generator).
    public var probability: Double
    /// Milliseconds after the rule was added from which it may fire.
    public var activeFrom: Int
    /// Milliseconds after the rule was added until which it may fire (nil: no end).
    public var activeUntil: Int?

    /// A rule; by default it fires on every matching frame, for ever.
    public init(_ name: String, match: FrameMatch, action: FrameAction, count: Int? = nil, after: Int = 0,
                probability: Double = 1, activeFrom: Int = 0, activeUntil: Int? = nil) {
        self.name = name
        self.match = match
        self.action = action
        self.count = count
        self.after = after
        self.probability = probability
        self.activeFrom = activeFrom
        self.activeUntil = activeUntil
    }

    /// PONGs are dropped both ways: each side's keep-alive goes unanswered, and closes the connection in time.
    public static func stopAnsweringPings(name: String = "stop-answering-pings") -> FrameRule {
        FrameRule(name, match: FrameMatch(commands: ["PONG"]), action: .drop)
    }

    /// CONNECTED never reaches the client: its handshake stalls until its connection timeout.
    public static func stallHandshake(name: String = "stall-handshake", count: Int? = nil) -> FrameRule {
        FrameRule(name, match: FrameMatch(direction: .downstream, commands: ["CONNECTED"]), action: .drop, count: count)
    }

    /// Why the rule cannot work, or nil.
    var problem: String? {
        if name.isEmpty { return "a rule needs a name" }
        if let count, count < 0 { return "count cannot be negative" }
        if after < 0 || activeFrom < 0 { return "after and activeFrom cannot be negative" }
        if !(0...1).contains(probability) { return "probability must be between 0 and 1" }
        if case .delay(let milliseconds) = action, milliseconds < 0 { return "a delay cannot be negative" }
        if let topic = match.topic, (try? TopicName(topic)) == nil { return "\"\(topic)\" is not a topic name" }
        return nil
    }
}
