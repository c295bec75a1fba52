import Foundation

/// How a ``PulsarTestHarness`` is set up. The defaults are the test defaults the testing guide documents: an
/// in-process emulator on a virtual clock, clients that reconnect at once, acknowledgements sent as soon as a handler
/// returns.
public struct PulsarTestHarnessOptions: Sendable {
    /// An external broker to run against (`pulsar://host:6650`) instead of the in-process emulator. Then time is
    /// real, and the calls that need the emulator (``PulsarTestHarness/settle(timeout:)``,
    /// ``PulsarTestHarness/runUntilIdle(limit:timeout:)``, ``PulsarTestHarness/restartBroker()``) throw
    /// ``PulsarTestHarnessError/Code/unsupportedOnExternalBroker``.
    public var brokerURL: String?
    /// The external broker's admin URL (`http://host:8080`), if the test needs one.
    public var adminURL: String?
    /// A JWT for the external broker.
    public var token: String?
    /// The in-process emulator's configuration. Its clock is replaced by the harness's virtual clock.
    public var emulator = EmulatorConfiguration()
    /// The options every registration of the harness's bus starts from: the bus's defaults (Exclusive, Latest,
    /// nack delay 60 s) except that acknowledgements are not grouped, so broker state is current when a handler
    /// returns.
    public var consumerDefaults: EventConsumerOptions = {
        var options = EventConsumerOptions()
        options.ackGroupingInterval = .zero
        return options
    }()
    /// The virtual clock's start, in milliseconds since the epoch (the wall clock a test sees).
    public var startMilliseconds: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    /// Keep-alive interval of the in-process emulator and its clients. A day by default, so `runUntilIdle` is not
    /// kept busy by pings every 30 s of virtual time; set it to 30 s to test keep-alive itself. Against an external
    /// broker the clients keep their own 30 s.
    public var keepAliveInterval: Duration = .seconds(86_400)
    /// How long a client operation may take, in virtual time (the client's own default is 30 s).
    public var operationTimeout: Duration = .seconds(30)
    /// Puts a ``FaultProxy`` between every in-process client and the emulator (``PulsarTestHarness/proxy``), so a
    /// test adds toxics and frame rules on the virtual clock. Ignored against an external broker.
    public var faultProxy = false
    /// Seeds the fault proxy's random choices.
    public var faultSeed: UInt64 = 0
    /// With an emulator that authenticates (``EmulatorConfiguration/authentication`` with a signing key), the role the
    /// harness's clients authenticate as; each connection asks for a fresh token.
    public var tokenRole = "app"
    /// How long the tokens the harness's clients get live, in virtual time (nil: they never expire). Shorter than
    /// the emulator's ``EmulatorAuthentication/refreshCheckInterval``, it makes the broker challenge connections
    /// mid-stream, and the clients answer with a fresh token.
    public var tokenLifetime: Duration?
    /// How many of the broker's last received frames the failure report lists.
    public var journaledFrames = 32
    /// When true, the harness fails the test (``PulsarTestHarnessError/Code/leftovers``) if it ends with
    /// registrations not stopped, clients not closed or messages delivered but not acknowledged.
    public var failOnLeftovers = false
    /// Client log lines go here (silent by default; `PULSARKIT_CLIENT_LOG=debug` prints them).
    public var logger: PulsarLogger = ProcessInfo.processInfo.environment["PULSARKIT_CLIENT_LOG"] == "debug"
        ? PulsarLogger(level: .debug) { level, line in print("[\(level)] \(line)") } : .silent

    /// The defaults: an in-process emulator on a virtual clock.
    public init() {}

    /// The variable naming an external broker: `PULSARKIT_BROKER_URL`.
    public static let brokerURLVariable = "PULSARKIT_BROKER_URL"
    /// The variable naming its admin URL: `PULSARKIT_ADMIN_URL`.
    public static let adminURLVariable = "PULSARKIT_ADMIN_URL"

    /// The defaults, switched to an external broker when `PULSARKIT_BROKER_URL` is set (with `PULSARKIT_ADMIN_URL`
    /// and `PULSAR_JWT_TOKEN` when set), so one suite runs against the emulator by default and against a real
    /// broker on demand.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> PulsarTestHarnessOptions {
        var options = PulsarTestHarnessOptions()
        options.brokerURL = environment[brokerURLVariable].flatMap { $0.isEmpty ? nil : $0 }
        options.adminURL = environment[adminURLVariable].flatMap { $0.isEmpty ? nil : $0 }
        options.token = environment[ClientConfiguration.tokenVariable].flatMap { $0.isEmpty ? nil : $0 }
        return options
    }
}
