/// Publishes events to one topic: Coze Studio's `eventbus.Producer`, Swift-shaped.
///
/// ```swift
/// let producer = try await bus.makeProducer(topic: "opencoze_knowledge", group: "cg_knowledge")
/// try await producer.send(Array(#"{"knowledge_id":42}"#.utf8), options: .shardingKey("42"))
/// try await producer.batchSend(documents, options: .shardingKey("42"))
/// ```
public protocol EventProducer: Sendable {
    /// Publishes one body and waits until the broker stored it.
    ///
    /// - Throws: ``EventBusError`` (``EventBusError/Code/producerClosed``, ``EventBusError/Code/sendFailed``).
    func send(_ body: [UInt8], options: [EventSendOption]) async throws

    /// Publishes every body (pipelined, in order, with the same options), then waits for all of them.
    ///
    /// Not atomic: when one fails the others may still be stored. An empty batch is a no-op.
    /// - Throws: ``EventBusError`` for the first body (in order) that failed.
    func batchSend(_ bodies: [[UInt8]], options: [EventSendOption]) async throws
}

extension EventProducer {
    /// Publishes one body (see ``send(_:options:)-([UInt8],[EventSendOption])``), options written inline:
    /// `send(body, options: .shardingKey("42"))`.
    public func send(_ body: [UInt8], options: EventSendOption...) async throws {
        try await send(body, options: options)
    }

    /// Publishes every body (see ``batchSend(_:options:)-([[UInt8]],[EventSendOption])``), options written inline.
    public func batchSend(_ bodies: [[UInt8]], options: EventSendOption...) async throws {
        try await batchSend(bodies, options: options)
    }
}

/// A per-send option (Coze Studio's `SendOpt`).
public enum EventSendOption: Sendable, Equatable {
    /// The message key (`partition_key`): on a partitioned topic every message with one key lands on one partition,
    /// in order. An empty key means no key, as in Coze Studio's Go implementation.
    case shardingKey(String)
    /// Application properties carried with the message (Coze Studio has none; ``EventMessage/properties``).
    case properties([String: String])
}

extension [EventSendOption] {
    /// The client's send options for these event options (later options win).
    var sendOptions: SendOptions {
        var options = SendOptions()
        for option in self {
            switch option {
            case .shardingKey(let key): options.key = key.isEmpty ? nil : key
            case .properties(let properties): options.properties.merge(properties) { _, new in new }
            }
        }
        return options
    }
}
