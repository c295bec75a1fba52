/// Bounds that keep one hostile or buggy client from exhausting the emulator. Hitting a limit gets the error the
/// broker gives for it (or a clear one where the broker has none), never a hang. Each has a CLI flag
/// (`pulsar-emulator --help`); 0 means "no limit" where the broker's own setting allows it.
public struct EmulatorLimits: Sendable, Equatable {
    /// Open connections on the binary port; a connection beyond it is closed at once, as the broker does at
    /// `brokerMaxConnections`. Default 10,000.
    public var maxConnections = 10_000
    /// Producers on one connection; more get ProducerBusy. Default 10,000.
    public var maxProducersPerConnection = 10_000
    /// Consumers on one connection; more get ConsumerBusy. Default 10,000.
    public var maxConsumersPerConnection = 10_000
    /// Partitions of one partitioned topic (`maxNumPartitionsPerPartitionedTopic`); more get 406 Not Acceptable from
    /// the admin API. Default 1,024.
    public var maxPartitionsPerTopic = 1_024
    /// Bytes of a full topic name (`persistent://tenant/namespace/local`). Default 1,024.
    public var maxTopicNameLength = 1_024
    /// Bytes of a subscription, producer or consumer name. Default 1,024.
    public var maxNameLength = 1_024
    /// Schema versions kept per topic; a new one beyond it is refused. Default 100.
    public var maxSchemaVersionsPerTopic = 100
    /// Bytes queued for one connection and not yet taken by the peer, above which dispatch to its consumers pauses
    /// until the peer reads (a broker stops dispatching to a channel that is not writable). Default 1 MiB.
    public var maxPendingBytesPerConnection = 1 << 20
    /// How long an admin HTTP request may take to arrive (headers and body); slower ones get 408 and are closed.
    /// Default 30 s.
    public var adminRequestTimeout: Duration = .seconds(30)
    /// Open admin HTTP connections; more are closed at once. Default 1,024.
    public var maxAdminConnections = 1_024

    /// The defaults above.
    public init() {}
}
