import PulsarWire

/// Producer settings. Defaults follow the Go client: batching on (1000 messages, 128 KiB, 10 ms), send timeout
/// 30 s, at most 1000 pending messages with senders waiting when full, no compression, round-robin routing of
/// keyless messages and JavaStringHash routing of keyed ones.
public struct ProducerOptions: Sendable {
    /// The producer name; the broker generates one when nil. Two producers with the same name on one topic are
    /// refused (``PulsarClientError/Code/producerBusy``).
    public var name: String?
    /// Group messages into batched entries.
    public var batchingEnabled = true
    /// A batch is sent once it holds this many messages.
    public var batchingMaxMessages = 1000
    /// A batch is sent once its payload reaches this many bytes.
    public var batchingMaxBytes = 128 * 1024
    /// A batch is sent at the latest this long after its first message.
    public var batchingMaxPublishDelay: Duration = .milliseconds(10)
    /// Payload compression (LZ4, ZLIB, ZSTD and SNAPPY are all supported both ways).
    public var compression: PayloadCompression.Codec = .none
    /// A message not acknowledged by the broker within this time fails with ``PulsarClientError/Code/timeout``;
    /// nil waits forever (the producer keeps resending across reconnects).
    public var sendTimeout: Duration? = .seconds(30)
    /// Messages accepted but not yet acknowledged by the broker, at most.
    public var maxPendingMessages = 1000
    /// When the pending queue is full: wait for room (true), or fail with
    /// ``PulsarClientError/Code/producerQueueFull`` (false).
    public var blockIfQueueFull = true
    /// How messages are spread over the partitions of a partitioned topic.
    public var routing: PartitionRouting = .roundRobin
    /// The hash used for keyed messages on partitioned topics.
    public var hashing: KeyHashing = .javaStringHash
    /// Shared (default), Exclusive, WaitForExclusive or ExclusiveWithFencing.
    public var accessMode: ProducerAccessMode = .shared
    /// Producer properties, sent in PRODUCER.
    public var properties: [String: String] = [:]
    /// The sequence id of the first message; nil continues after the broker's last one for this producer name.
    public var initialSequenceId: UInt64?
    /// A subscription the broker creates with the topic (dead-letter producers use it so nothing is lost).
    var initialSubscriptionName: String?

    /// The defaults.
    public init() {}

    /// Checks the settings.
    func validate() throws {
        func fail(_ message: String) -> PulsarClientError { PulsarClientError(.invalidConfiguration, message) }
        guard batchingMaxMessages >= 1 else { throw fail("batchingMaxMessages must be at least 1") }
        guard batchingMaxBytes >= 1 else { throw fail("batchingMaxBytes must be at least 1") }
        guard batchingMaxPublishDelay >= .zero else { throw fail("batchingMaxPublishDelay must not be negative") }
        guard maxPendingMessages >= 1 else { throw fail("maxPendingMessages must be at least 1") }
        if let sendTimeout, sendTimeout < .zero { throw fail("sendTimeout must not be negative") }
        if let name, name.isEmpty { throw fail("the producer name is empty") }
    }
}

/// Which partition a message without a key goes to (keyed messages always go to the key's partition).
public enum PartitionRouting: Sendable, Equatable {
    /// Partitions in turn, one message (or one batch's worth) at a time.
    case roundRobin
    /// One partition, chosen at random when the producer is created.
    case singlePartition
}

/// The hash of a message key that picks its partition: `hash(key) % partitions`.
public enum KeyHashing: Sendable, Equatable {
    /// Java's `String.hashCode()` over UTF-16 code units, sign bit cleared: the Java client's default. (The C++ client,
    /// and the Python client built on it, default to BoostHash; their JavaStringHash agrees on ASCII keys only, as it
    /// sums UTF-8 bytes as `char`s.)
    case javaStringHash
    /// The same recurrence over UTF-8 bytes without clearing the sign bit: the Go client's `JavaStringHash`
    /// (identical for ASCII keys whose Java hash is not negative).
    case goJavaStringHash
    /// Murmur3 x86 32-bit, sign bit cleared: every client's `Murmur3_32Hash`.
    case murmur3

    /// The partition of `key` among `partitions` (what the producer picks for a keyed message).
    public func partition(of key: String, partitions: Int) -> Int {
        let hash: UInt32 = switch self {
        case .javaStringHash: UInt32(bitPattern: JavaStringHash.hash(key)) & 0x7fff_ffff
        case .goJavaStringHash: key.utf8.reduce(UInt32(0)) { $0 &* 31 &+ UInt32($1) }
        case .murmur3: UInt32(bitPattern: Murmur3.pulsarHash(Array(key.utf8)))
        }
        return Int(hash % UInt32(partitions))
    }
}
