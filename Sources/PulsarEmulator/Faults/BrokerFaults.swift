import PulsarWire

/// A request the emulator can be told to fail (``PulsarEmulator/failNext(_:with:message:count:topic:)``). The raw
/// values are the names the admin endpoint `/pulsarkit/faults/fail-next` takes.
public enum BrokerOperation: String, Sendable, CaseIterable, Codable {
    /// CONNECT: answered with ERROR, then the connection is closed.
    case connect
    /// LOOKUP: a failed LOOKUP_RESPONSE.
    case lookup
    /// PARTITIONED_METADATA: a failed PARTITIONED_METADATA_RESPONSE.
    case partitionedMetadata = "partitioned-metadata"
    /// PRODUCER: ERROR; no producer is created.
    case producer
    /// SUBSCRIBE: ERROR; no consumer is created.
    case subscribe
    /// SEND: SEND_ERROR; nothing is stored.
    case send
    /// ACK: ACK_RESPONSE with the error when the ack asked for a response, else the ack is ignored. Nothing is acked.
    case ack
    /// UNSUBSCRIBE: ERROR; the subscription stays.
    case unsubscribe
    /// SEEK: ERROR; the cursor stays.
    case seek
    /// GET_LAST_MESSAGE_ID: ERROR.
    case getLastMessageId = "get-last-message-id"
    /// CLOSE_PRODUCER: ERROR; the producer stays.
    case closeProducer = "close-producer"
    /// CLOSE_CONSUMER: ERROR; the consumer stays.
    case closeConsumer = "close-consumer"
}

/// What the emulator does to the next SEND_RECEIPTs (``PulsarEmulator/faultReceipts(_:count:topic:)``).
public enum ReceiptFault: String, Sendable, CaseIterable, Codable {
    /// Keep them until ``PulsarEmulator/releaseReceipts()``: the messages are stored, the producer does not know.
    case hold
    /// Never send them: the messages are stored, and a producer that times out sends them again.
    case drop
    /// Keep them until the last of the count arrives, then send them newest first.
    case reverse
}

/// What the emulator's broker faults have done so far, and what is still armed.
public struct BrokerFaultReport: Sendable, Equatable {
    /// Requests answered with an injected error, by operation.
    public var failedRequests: [BrokerOperation: Int] = [:]
    /// Injected failures still armed (their remaining counts summed).
    public var armedFailures = 0
    /// Receipts held back now (by ``ReceiptFault/hold`` or a ``ReceiptFault/reverse`` not complete yet).
    public var heldReceipts = 0
    /// Receipts held and sent later, so far.
    public var releasedReceipts = 0
    /// Receipts dropped so far.
    public var droppedReceipts = 0
    /// Receipts sent out of order so far.
    public var reorderedReceipts = 0
    /// Receipts the armed receipt fault will still take.
    public var armedReceipts = 0
    /// True while the broker is paused.
    public var isPaused = false
    /// Reads (each one or more frames, or a connection's end) waiting for the pause to end.
    public var pausedReads = 0

    /// An empty report.
    public init() {}
}

/// The broker's fault state, a plain value inside ``BrokerState``: armed failures and the receipt fault. Pure: the
/// broker asks it what to do with a request or an output, and it answers.
struct FaultPlan {
    /// One armed failure.
    struct Failure: Equatable {
        var operation: BrokerOperation
        var error: ServerError
        var message: String
        var remaining: Int
        /// Only requests on this topic (a partitioned topic matches its partitions); nil matches every topic.
        var topic: TopicName?
    }

    private(set) var failures: [Failure] = []
    private(set) var receiptFault: ReceiptFault?
    private(set) var receiptTopic: TopicName?
    private(set) var receiptsRemaining = 0
    /// Receipts held back, in arrival order.
    private(set) var held: [(connection: ConnectionID, frame: OutboundFrame)] = []
    private(set) var report = BrokerFaultReport()

    /// True when no fault is armed and nothing is held (the broker's fast path).
    var isIdle: Bool { failures.isEmpty && receiptFault == nil && held.isEmpty }
    /// True when some request failure is armed.
    var hasFailures: Bool { !failures.isEmpty }

    /// Arms a failure for the next `count` matching requests (after any armed earlier).
    mutating func failNext(_ failure: Failure) {
        guard failure.remaining > 0 else { return }
        failures.append(failure)
    }

    /// Arms a receipt fault for the next `count` receipts, replacing the one armed before.
    mutating func faultReceipts(_ fault: ReceiptFault, count: Int, topic: TopicName?) {
        receiptFault = count > 0 ? fault : nil
        receiptsRemaining = max(0, count)
        receiptTopic = topic
    }

    /// The failure for a request of `operation` on `topic`, used up by one; nil when none matches.
    mutating func takeFailure(_ operation: BrokerOperation, topic: TopicName?) -> Failure? {
        guard let index = failures.firstIndex(where: { $0.operation == operation && Self.matches($0.topic, topic) }) else {
            return nil
        }
        let failure = failures[index]
        failures[index].remaining -= 1
        if failures[index].remaining == 0 { failures.remove(at: index) }
        report.failedRequests[operation, default: 0] += 1
        return failure
    }

    /// Applies the receipt fault to the SEND_RECEIPTs in `outputs`. `topicOf` names the topic of a receipt's
    /// producer.
    mutating func filterReceipts(_ outputs: inout BrokerOutputs, topicOf: (ConnectionID, UInt64) -> TopicName?) {
        guard let fault = receiptFault else { return }
        var completed: [(connection: ConnectionID, frame: OutboundFrame)] = []
        outputs.removeFrames { connection, frame in
            guard receiptsRemaining > 0, case .sendReceipt(let receipt) = frame.command,
                  Self.matches(receiptTopic, topicOf(connection, receipt.producerId)) else { return false }
            receiptsRemaining -= 1
            switch fault {
            case .drop: report.droppedReceipts += 1
            case .hold: held.append((connection, frame))
            case .reverse:
                held.append((connection, frame))
                if receiptsRemaining == 0 {
                    completed = held.reversed()
                    report.reorderedReceipts += held.count
                    held = []
                }
            }
            return true
        }
        for (connection, frame) in completed { outputs.add(frame, to: connection) }
        if receiptsRemaining == 0 { receiptFault = nil; receiptTopic = nil }
    }

    /// Sends every held receipt, in the order they were held.
    mutating func releaseHeld(into outputs: inout BrokerOutputs) {
        for (connection, frame) in held { outputs.add(frame, to: connection) }
        report.releasedReceipts += held.count
        held = []
    }

    /// Disarms everything and sends what was held.
    mutating func clear(into outputs: inout BrokerOutputs) {
        failures = []
        receiptFault = nil
        receiptTopic = nil
        receiptsRemaining = 0
        releaseHeld(into: &outputs)
    }

    /// The report, with the armed counts filled in.
    var currentReport: BrokerFaultReport {
        var report = report
        report.armedFailures = failures.reduce(0) { $0 + $1.remaining }
        report.heldReceipts = held.count
        report.armedReceipts = receiptsRemaining
        return report
    }

    private static func matches(_ filter: TopicName?, _ topic: TopicName?) -> Bool {
        guard let filter else { return true }
        guard let topic else { return false }
        return topic == filter || topic.partitionedParent == filter
    }
}

/// What the broker state asks of the driver that holds it (``BrokerCore``), for what only the driver can do.
enum CoreControlRequest: Equatable {
    /// Stop serving until `until` (wall-clock ms) or until resumed.
    case pause(until: Int64?)
    /// Serve again.
    case resume
}
