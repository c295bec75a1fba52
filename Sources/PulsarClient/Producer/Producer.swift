import PulsarSupport
import Synchronization

/// Publishes messages to a topic (all partitions of a partitioned topic).
///
/// ```swift
/// let producer = try await client.makeProducer(topic: "orders")
/// let id = try await producer.send(Array("hello".utf8), options: SendOptions(key: "customer-7"))
///
/// // Pipelined: enqueue returns once the message is queued (in order); await the receipts later.
/// var receipts: [SendReceipt] = []
/// for body in bodies { receipts.append(try await producer.enqueue(body)) }
/// for receipt in receipts { _ = try await receipt.messageID() }
/// ```
/// Messages from one task are stored in the order they were sent, across reconnects.
public final class Producer: Sendable, ClientResource {
    /// The fully qualified topic name.
    public let topic: String
    /// The producer's options.
    public let options: ProducerOptions
    let partitions: [PartitionProducer]
    private let core: ClientCore
    private let nextPartition: Atomic<Int>
    private let closed = Atomic(false)

    init(topic: String, partitions: [PartitionProducer], options: ProducerOptions, core: ClientCore) {
        self.topic = topic
        self.partitions = partitions
        self.options = options
        self.core = core
        let start = options.routing == .singlePartition ? Int.random(in: 0..<max(1, partitions.count)) : 0
        nextPartition = Atomic(start)
    }

    /// The producer's name (the broker's choice when none was given; partitions of one producer may differ).
    public var name: String { partitions.first?.name ?? "" }

    /// The number of partitions written to (1 for a non-partitioned topic).
    public var partitionCount: Int { partitions.count }

    /// Sends a message and waits until the broker stored it. A message in the open batch goes out at once.
    ///
    /// - Returns: where the message is stored.
    /// - Throws: ``PulsarClientError`` (send timeout, message too large, producer closed, queue full when the
    ///   producer is set not to wait, broker refusal).
    @discardableResult
    public func send(_ payload: [UInt8], options: SendOptions = SendOptions()) async throws -> MessageID {
        let completion = SendCompletion()
        try await submit(payload, options: options, completion: completion, sendNow: true)
        return try await completion.messageID()
    }

    /// Sends a UTF-8 string (see ``send(_:options:)``).
    @discardableResult
    public func send(_ text: String, options: SendOptions = SendOptions()) async throws -> MessageID {
        try await send(Array(text.utf8), options: options)
    }

    /// Queues a message without waiting for the broker (batched with its neighbours) and returns its receipt.
    /// Returns once the message has its place in the order; waits first while the pending queue is full.
    ///
    /// - Throws: ``PulsarClientError`` when the message is refused before being queued.
    public func enqueue(_ payload: [UInt8], options: SendOptions = SendOptions()) async throws -> SendReceipt {
        let completion = SendCompletion()
        try await submit(payload, options: options, completion: completion, sendNow: false)
        return SendReceipt(completion: completion)
    }

    /// Queues a message and reports its outcome to `completion`, called on the connection's I/O thread (it must not
    /// block). Returns once the message has its place in the order.
    public func sendAsync(_ payload: [UInt8], options: SendOptions = SendOptions(),
                          completion: @escaping @Sendable (Result<MessageID, PulsarClientError>) -> Void) async {
        let sendCompletion = SendCompletion(callback: completion)
        try? await submit(payload, options: options, completion: sendCompletion, sendNow: false)
    }

    /// Sends every queued message and waits until the broker answered for all of them.
    public func flush() async throws {
        for partition in partitions { try await partition.flush() }
    }

    /// Flushes, then closes the producer; messages that could not be sent fail with
    /// ``PulsarClientError/Code/alreadyClosed``. Idempotent.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await withTaskGroup(of: Void.self) { group in
            for partition in partitions { group.addTask { await partition.close() } }
        }
        core.unregister(self)
    }

    func closeFromClient() async { await close() }

    private func submit(_ payload: [UInt8], options: SendOptions, completion: SendCompletion, sendNow: Bool) async throws {
        if closed.load(ordering: .relaxed) {
            let error = PulsarClientError.closed("the producer").with(topic: topic)
            completion.complete(.failure(error))
            throw error
        }
        if options.isNullValue, !payload.isEmpty {
            let error = PulsarClientError(.invalidConfiguration, "a null value must have an empty payload", topic: topic)
            completion.complete(.failure(error))
            throw error
        }
        let partition = route(options)
        let message = OutgoingMessage(payload: payload, options: options, publishTime: UInt64(clamping: core.clock.now()))
        switch partitions[partition].enqueue(message, completion: completion, sendNow: sendNow) {
        case .accepted:
            return
        case .waiting:
            try await completion.waitUntilAccepted()
        case .rejected(let error):
            let failure = error.with(topic: partitions[partition].topic)
            completion.complete(.failure(failure))
            throw failure
        }
    }

    /// The partition of a message: its key's hash, else round robin (or the one chosen partition).
    private func route(_ options: SendOptions) -> Int {
        let count = partitions.count
        guard count > 1 else { return 0 }
        if let key = options.key { return self.options.hashing.partition(of: key, partitions: count) }
        if self.options.routing == .singlePartition { return nextPartition.load(ordering: .relaxed) % count }
        return nextPartition.wrappingAdd(1, ordering: .relaxed).oldValue % count
    }
}
