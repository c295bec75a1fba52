import Synchronization

/// Reads a topic from a chosen position without a durable subscription (nothing is acknowledged; the position is
/// the reader's own). Readers of partitioned topics read every partition.
///
/// ```swift
/// let reader = try await client.makeReader(topic: "audit", startMessageID: .earliest)
/// while try await reader.hasMessageAvailable() {
///     let message = try await reader.readNext()
/// }
/// ```
public final class Reader: Sendable, ClientResource {
    /// The fully qualified topic.
    public let topic: String
    let consumerCore: ConsumerCore
    private let core: ClientCore
    /// Per source: the last id stored when the reader started at `latest` (nothing up to it counts as available).
    private let latestAtStart: [MessageID?]
    private let start: MessageID
    private let startInclusive: Bool

    init(topic: String, consumerCore: ConsumerCore, core: ClientCore, start: MessageID, startInclusive: Bool,
         latestAtStart: [MessageID?]) {
        self.topic = topic
        self.consumerCore = consumerCore
        self.core = core
        self.start = start
        self.startInclusive = startInclusive
        self.latestAtStart = latestAtStart
    }

    /// The next message: at once if one is queued, else when one arrives.
    public func readNext() async throws -> Message { try await consumerCore.receive() }

    /// The next message, or nil if none arrives within `timeout`.
    public func readNext(timeout: Duration) async throws -> Message? { try await consumerCore.receive(timeout: timeout) }

    /// The messages as an asynchronous sequence; it ends when the reader is closed.
    public var messages: MessageSequence { MessageSequence(core: consumerCore) }

    /// Whether a message after the last one read is stored (asks the broker for the topic's last message id).
    public func hasMessageAvailable() async throws -> Bool {
        if consumerCore.queuedCount > 0 { return true }
        for index in consumerCore.setup.sources.indices {
            let last = try await consumerCore.lastMessageID(source: index)
            guard last.ledgerId >= 0, last.entryId >= 0 else { continue }  // empty topic
            let lastPosition = (last.ledgerId, last.entryId, last.batchIndex)
            if let read = consumerCore.lastDequeued(source: index) {
                if lastPosition > (read.ledgerId, read.entryId, read.batchIndex) { return true }
            } else if let reference = latestAtStart[index] {
                if lastPosition > (reference.ledgerId, reference.entryId, reference.batchIndex) { return true }
            } else if start == .earliest || start == .latest {
                return true
            } else {
                let startPosition = (start.ledgerId, start.entryId, start.batchIndex)
                if lastPosition > startPosition || (startInclusive && lastPosition == startPosition) { return true }
            }
        }
        return false
    }

    /// Moves the reader so that `id` is the next message read (``MessageID/earliest`` and ``MessageID/latest`` too).
    public func seek(to id: MessageID) async throws {
        let sources = id == .earliest || id == .latest || consumerCore.setup.sources.count == 1
            ? Array(consumerCore.setup.sources.indices) : [try consumerCore.source(of: id)]
        try await consumerCore.seek(sources: sources, to: id, publishTime: nil)
    }

    /// Moves the reader to the first message published at or after `publishTime` (ms since the epoch).
    public func seek(toPublishTime publishTime: UInt64) async throws {
        try await consumerCore.seek(sources: Array(consumerCore.setup.sources.indices), to: nil, publishTime: publishTime)
    }

    /// Closes the reader (its non-durable subscription disappears). Idempotent.
    public func close() async {
        await consumerCore.close()
        core.unregister(self)
    }

    func closeFromClient() async { await close() }
}
