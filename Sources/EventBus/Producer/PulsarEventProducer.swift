import Synchronization

/// An ``EventProducer`` on one topic, named `<group>-producer` like Coze Studio's, with a client of its own.
///
/// The fixed name makes a second replica of a service fail to create its producer (``EventBusError/Code/producerBusy``)
/// as it does against a real broker.
public final class PulsarEventProducer: EventProducer {
    /// The topic, as configured.
    public let topic: String
    /// The group the producer is named after.
    public let group: String
    private let client: PulsarClient
    private let producer: Producer
    private let closed = Atomic(false)

    init(topic: String, group: String, client: PulsarClient, producer: Producer) {
        self.topic = topic
        self.group = group
        self.client = client
        self.producer = producer
    }

    /// The name the broker knows the producer by: `<group>-producer`.
    public var name: String { producer.name }

    /// Whether ``close()`` was called.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// The producer name for `group`.
    static func name(group: String) -> String { "\(group)-producer" }

    /// Publishes one body and waits until the broker stored it (Coze Studio's `Send` is a batch of one).
    ///
    /// - Throws: ``EventBusError/Code/producerClosed`` after ``close()``, ``EventBusError/Code/sendFailed``.
    public func send(_ body: [UInt8], options: [EventSendOption]) async throws {
        try await batchSend([body], options: options)
    }

    /// Publishes every body pipelined (each queued in order without waiting; the last batch is sent at once rather than
    /// after the batching delay), then waits for all of them, and throws
    /// the error of the first body (in order) that failed. Not atomic: the other bodies may be stored. An empty batch
    /// is a no-op.
    ///
    /// - Throws: ``EventBusError/Code/producerClosed`` after ``close()``, ``EventBusError/Code/sendFailed``.
    public func batchSend(_ bodies: [[UInt8]], options: [EventSendOption]) async throws {
        try checkOpen()
        guard !bodies.isEmpty else { return }
        let sendOptions = options.sendOptions
        var receipts: [(index: Int, receipt: SendReceipt)] = []
        var failures: [(index: Int, error: any Error)] = []
        for (index, body) in bodies.enumerated() {
            do {
                receipts.append((index, try await producer.enqueue(body, options: sendOptions)))
            } catch {
                failures.append((index, error))
            }
        }
        if !receipts.isEmpty {
            try? await producer.flush()  // close the open batch now instead of after the batching delay
        }
        for (index, receipt) in receipts {
            do {
                _ = try await receipt.messageID()
            } catch {
                failures.append((index, error))
            }
        }
        guard let first = failures.min(by: { $0.index < $1.index }) else { return }
        try checkOpen()
        let what = bodies.count == 1 ? "sending to \(topic) failed"
            : "\(failures.count) of \(bodies.count) messages to \(topic) failed; the first is #\(first.index)"
        throw EventBusError(.sendFailed, what, underlying: first.error as? PulsarClientError)
    }

    /// Flushes and closes the producer and its client. Idempotent; later sends throw
    /// ``EventBusError/Code/producerClosed``.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await producer.close()
        await client.close()
    }

    private func checkOpen() throws {
        if closed.load(ordering: .acquiring) {
            throw EventBusError(.producerClosed, "the producer \(Self.name(group: group)) of \(topic) is closed")
        }
    }
}
