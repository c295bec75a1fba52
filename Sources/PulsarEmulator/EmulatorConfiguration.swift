import PulsarSupport
import PulsarWire

/// How an emulator instance behaves. The defaults match a fresh Apache Pulsar standalone where that makes sense,
/// except that the emulator binds an ephemeral loopback port unless told otherwise.
public struct EmulatorConfiguration: Sendable {
    /// Interface to listen on (`127.0.0.1`, `::1`, `0.0.0.0` …).
    public var host: String = "127.0.0.1"
    /// Port to listen on; 0 picks a free one (see ``PulsarEmulator/serviceURL``).
    public var port: Int = 0
    /// `host[:port]` to advertise in LOOKUP answers; defaults to the bound address. Set it when clients reach the
    /// emulator through a proxy or a port mapping, so their producer and consumer traffic goes the same way.
    public var advertisedAddress: String?
    /// Port of the admin REST API and Prometheus `/metrics` (HTTP, a standalone broker's 8080); nil (the default)
    /// serves no HTTP, 0 picks a free port (see ``PulsarEmulator/adminURL``).
    public var adminPort: Int?
    /// Interface for the admin HTTP port; nil uses ``host``.
    public var adminHost: String?
    /// Largest message accepted and advertised in CONNECTED (broker default 5 MiB).
    public var maxMessageSize: Int = FrameDecoder.defaultMaxMessageSize
    /// Keep-alive: PING a connection idle this long, close it if a further interval passes in silence (30 s).
    public var keepAliveInterval: Duration = .seconds(30)
    /// Create topics on first use (PRODUCER, SUBSCRIBE); when false such requests get TopicNotFound.
    public var allowAutoTopicCreation = true
    /// The clock of the broker's timers and timestamps (keep-alive, token expiry, delayed delivery, publish-time seeks);
    /// a ``ManualClock``, shared with a client's `ClientConfiguration.clock`, makes time move only when a test says so.
    public var clock: any PulsarClock = SystemClock()
    /// Version string sent in CONNECTED.
    public var serverVersion = "Pulsar Server 3.3.0 (PulsarKit emulator)"
    /// Partitions of topics auto-created by PARTITIONED_METADATA: 0 creates non-partitioned topics (the broker's
    /// default `allowAutoTopicCreationType=non-partitioned`), N > 0 partitioned topics with N partitions.
    public var autoTopicCreationPartitions = 0
    /// Partitioned topics to create at start, by name and partition count.
    public var partitionedTopics: [String: Int] = [:]
    /// Message deduplication (`brokerDeduplicationEnabled`): a repeated sequence id from a producer name is
    /// acknowledged and not stored again.
    public var deduplication = false
    /// How long acknowledged messages are kept (the broker's retention policy).
    public var retention: RetentionPolicy = .acknowledgedLedgers
    /// When a topic's ledger is closed and the next one opened: message ids change ledger id there, and under the
    /// default retention a closed ledger is what gets deleted.
    public var ledgerRollover = LedgerRollover()
    /// What to log to standard error (as `pulsar-emulator <level> <message>` lines).
    public var logLevel: PulsarLogger.Level = .warning
    /// JWT token authentication and role-based authorization; nil (the default) lets every client in.
    public var authentication: EmulatorAuthentication?
    /// Bounds on connections, names, partitions and buffered bytes (see ``EmulatorLimits``).
    public var limits = EmulatorLimits()
    /// How many of the last frames received the broker keeps for a test harness's failure report (0: none).
    package var frameJournalCapacity = 0

    /// How long the emulator keeps messages every durable subscription has acknowledged.
    ///
    /// The default, ``acknowledgedLedgers``, is Apache Pulsar's with retention 0: only whole closed ledgers are
    /// deleted and never the current one, so a seek back, a reader from earliest or a new Earliest subscription still
    /// finds recent acknowledged messages. The other policies are explicit choices.
    public enum RetentionPolicy: Sendable, Equatable {
        /// Delete a closed ledger once every durable subscription acknowledged all of it (all closed ledgers when the
        /// topic has no durable subscription); keep the current ledger (the broker's default, retention 0).
        case acknowledgedLedgers
        /// Drop entries as soon as every durable subscription has acknowledged them, ledger or not. Topics without
        /// durable subscriptions keep everything.
        case untilAcknowledged
        /// Never drop entries (`retentionTimeInMinutes=-1`, `retentionSizeInMB=-1`).
        case forever
        /// Keep acknowledged entries while they are among the newest `entries` and younger than `age` (nil: no limit).
        case limits(entries: Int?, age: Duration?)
    }

    /// The default configuration: ephemeral loopback port, auto-created topics, system clock.
    public init() {}
}
