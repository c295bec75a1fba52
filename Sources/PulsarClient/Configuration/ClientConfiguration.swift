/// Client-wide settings. The defaults are the Go client's (what Coze Studio runs): operation timeout 30 s,
/// connection timeout 10 s, keep-alive 30 s, reconnect backoff from 100 ms doubling to 60 s with jitter.
public struct ClientConfiguration: Sendable {
    /// The library version reported in CONNECT's `client_version`.
    public static let libraryVersion = "0.1.0"

    /// `pulsar://host:port`, or a comma-separated list of brokers tried in turn.
    public var serviceURL: String
    /// Credentials sent in CONNECT (and again on AUTH_CHALLENGE).
    public var authentication: Authentication = .none
    /// Deadline of each request to the broker (lookup, producer and consumer creation, seek, close …).
    public var operationTimeout: Duration = .seconds(30)
    /// Deadline to open a connection and complete the CONNECT handshake.
    public var connectionTimeout: Duration = .seconds(10)
    /// PING after this much time; the connection is dropped after twice this long without any frame from the broker.
    public var keepAliveInterval: Duration = .seconds(30)
    /// How connections are opened (TCP unless a test injects another transport).
    public var connector: Connector = .tcp
    /// First reconnect delay; it doubles on each failure (with jitter) up to ``maxReconnectBackoff``. Zero (a test
    /// harness's setting) reconnects at once the first time, then waits 1 ms, doubling.
    public var initialReconnectBackoff: Duration = .milliseconds(100)
    /// Upper bound of the reconnect delay.
    public var maxReconnectBackoff: Duration = .seconds(60)
    /// LOOKUP redirects followed before giving up.
    public var maxLookupRedirects = 20
    /// `client_version` in CONNECT.
    public var clientVersion = "PulsarKit-Swift-\(ClientConfiguration.libraryVersion)"
    /// The advertised listener to ask for in LOOKUP (brokers with several listeners), or nil.
    public var listenerName: String?
    /// The clock every protocol timer of the client reads: batch delay, ack grouping, nack delay, ack timeout, send
    /// and operation timeouts, request deadlines, `receive(timeout:)`, reconnect backoff, keep-alive, and the publish
    /// time a producer stamps (its wall clock). Share one ``ManualClock`` with an emulator and all of them move only
    /// when the test advances it. What stays on real time: the operating system's own deadlines, opening a TCP
    /// connection (``connectionTimeout`` inside ``Connector/tcp``) and name resolution.
    public var clock: any PulsarClock = SystemClock()
    /// Work in flight a test harness waits for (PulsarTesting sets it); nil in production.
    package var activity: ActivityMonitor?
    /// Where log lines go: by default warnings and errors to standard error, as `PulsarClient <level> <message>`.
    public var logger: PulsarLogger = .standardError(label: "PulsarClient")

    /// The protocol version announced in CONNECT (20, like the Go client).
    static let protocolVersion: Int32 = 20

    /// A configuration for `serviceURL` with the defaults.
    public init(serviceURL: String) {
        self.serviceURL = serviceURL
    }

    /// Checks the settings.
    ///
    /// - Throws: ``PulsarClientError/Code/invalidConfiguration`` naming the first bad setting.
    func validated() throws -> ServiceURL {
        let url = try ServiceURL(serviceURL)
        for (name, value) in [("operationTimeout", operationTimeout), ("connectionTimeout", connectionTimeout),
                              ("keepAliveInterval", keepAliveInterval),
                              ("maxReconnectBackoff", maxReconnectBackoff)] where value <= .zero {
            throw PulsarClientError(.invalidConfiguration, "\(name) must be positive, got \(value)")
        }
        guard initialReconnectBackoff >= .zero else {
            throw PulsarClientError(.invalidConfiguration, "initialReconnectBackoff must not be negative, got \(initialReconnectBackoff)")
        }
        guard maxReconnectBackoff >= initialReconnectBackoff else {
            throw PulsarClientError(.invalidConfiguration, "maxReconnectBackoff must be at least initialReconnectBackoff")
        }
        guard maxLookupRedirects >= 0 else {
            throw PulsarClientError(.invalidConfiguration, "maxLookupRedirects must not be negative")
        }
        return url
    }
}
