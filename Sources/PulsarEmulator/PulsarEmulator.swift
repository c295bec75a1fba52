import PulsarNet
import PulsarSupport
import PulsarWire
import Synchronization

/// An in-memory Apache Pulsar broker speaking the binary protocol over TCP (and over in-memory streams), for tests.
///
/// ```swift
/// try await withPulsarEmulator { emulator in
///     // point any Pulsar client at emulator.serviceURL
/// }
/// ```
/// Fidelity: the emulator behaves like a single Apache Pulsar 3.x standalone broker for the features listed in
/// `docs/compatibility.md`, and differs where that document says so (timing, ledger rollover, what is not
/// implemented). Everything lives in memory and is gone after ``shutdown()``.
public final class PulsarEmulator: Sendable {
    /// `pulsar://host:port` clients connect to.
    public let serviceURL: String
    /// The bound TCP port (the real one when the configuration asked for port 0).
    public let port: Int
    /// The configuration the emulator runs with.
    public let configuration: EmulatorConfiguration
    /// `http://host:port` of the admin REST API and `/metrics`, or nil when ``EmulatorConfiguration/adminPort`` is nil.
    public let adminURL: String?
    /// The bound admin HTTP port, or nil when the admin API is off.
    public let adminPort: Int?

    let core: BrokerCore
    private let listener: TCPListener
    private let incoming: AsyncStream<any ByteStream>.Continuation
    private let serverTask: Task<Void, Never>
    private let adminServer: HTTPServer?
    private let isShutDown = Atomic(false)

    /// Starts an emulator: binds its port and begins accepting connections before returning.
    ///
    /// - Throws: `NetError` if the address cannot be bound; ``EmulatorError`` if ``EmulatorConfiguration/authentication``
    ///   is inconsistent (for example an RSA key with ES256).
    public static func start(_ configuration: EmulatorConfiguration = EmulatorConfiguration()) async throws -> PulsarEmulator {
        if let authentication = configuration.authentication { _ = try authentication.makeValidator() }
        // A host name is resolved on a thread of its own (getaddrinfo blocks), not on the caller's.
        let address = try await SocketAddress.resolve(host: configuration.host, port: configuration.port, timeout: nil)[0]
        var adminAddress: SocketAddress?
        if let adminPort = configuration.adminPort {
            let host = configuration.adminHost ?? configuration.host
            adminAddress = try await SocketAddress.resolve(host: host, port: adminPort, timeout: nil)[0]
        }
        return try PulsarEmulator(configuration: configuration, address: address, adminAddress: adminAddress)
    }

    private init(configuration: EmulatorConfiguration, address: SocketAddress, adminAddress: SocketAddress?) throws {
        var configuration = configuration
        // A wall clock that can jump (``jumpClock(by:)``); a ManualClock already can.
        if !(configuration.clock is ManualClock), !(configuration.clock is JumpableClock) {
            configuration.clock = JumpableClock(base: configuration.clock)
        }
        let listener = try TCPListener.bind(address: address)
        let port = listener.localAddress.port
        let advertised = Self.advertisedAddress(configuration, port: port)
        let serviceURL = "pulsar://\(advertised)"
        let logger = PulsarLogger.standardError(label: "pulsar-emulator", level: configuration.logLevel)
        let core = BrokerCore(configuration: configuration, advertisedServiceURL: serviceURL, logger: logger)
        let adminServer = try adminAddress.map { adminAddress in
            try Self.startAdminServer(configuration, address: adminAddress, core: core, serviceURL: serviceURL)
        }
        let (stream, continuation) = AsyncStream.makeStream(of: (any ByteStream).self)
        self.serviceURL = serviceURL
        self.port = port
        self.configuration = configuration
        self.core = core
        self.listener = listener
        self.incoming = continuation
        self.adminServer = adminServer
        self.adminPort = adminServer?.localAddress.port
        self.adminURL = adminServer.map { Self.webServiceURL(configuration, port: $0.localAddress.port) }
        serverTask = Task.detached {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while let connection = try? await listener.accept(onResourceExhausted: { error in
                        logger.warning("cannot accept connections (\(error)); retrying until resources free up")
                    }) {
                        continuation.yield(connection)
                    }
                }
                if let adminServer { group.addTask { await adminServer.run() } }
                for await connection in stream {
                    group.addTask { await ConnectionDriver(stream: connection, core: core).run() }
                }
                group.cancelAll()
            }
        }
        core.startTimers()
        logger.info("listening on \(listener.localAddress), advertising \(serviceURL)")
        if let authentication = configuration.authentication { logger.info(authentication.summary) }
    }

    private static func advertisedAddress(_ configuration: EmulatorConfiguration, port: Int) -> String {
        if let advertised = configuration.advertisedAddress, !advertised.isEmpty {
            return hasPort(advertised) ? advertised : "\(bracketed(advertised)):\(port)"
        }
        let host = ["0.0.0.0", ""].contains(configuration.host) ? "127.0.0.1"
            : configuration.host == "::" ? "::1" : configuration.host
        return "\(bracketed(host)):\(port)"
    }

    private static func startAdminServer(_ configuration: EmulatorConfiguration, address: SocketAddress, core: BrokerCore,
                                         serviceURL: String) throws -> HTTPServer {
        let listener = try TCPListener.bind(address: address)
        let router = AdminRouter(brokerServiceURL: serviceURL,
                                 webServiceURL: webServiceURL(configuration, port: listener.localAddress.port))
        core.logger.info("admin REST and /metrics on http://\(listener.localAddress)")
        return HTTPServer.admin(listener: listener, core: core, router: router)
    }

    /// `http://host:port` of the admin API: the advertised host (or the bound one) with the admin port.
    private static func webServiceURL(_ configuration: EmulatorConfiguration, port: Int) -> String {
        var host = configuration.adminHost ?? configuration.host
        if let advertised = configuration.advertisedAddress, !advertised.isEmpty {
            host = hasPort(advertised) ? String(advertised[..<advertised.lastIndex(of: ":")!]) : advertised
        }
        host = ["0.0.0.0", ""].contains(host) ? "127.0.0.1" : host == "::" ? "::1" : host
        return "http://\(host.hasPrefix("[") ? host : bracketed(host)):\(port)"
    }

    /// `host:port` or `[v6]:port`, as opposed to a bare host or a bare IPv6 address.
    private static func hasPort(_ address: String) -> Bool {
        if address.hasPrefix("[") { return address.contains("]:") }
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[1].isEmpty && parts[1].allSatisfy { ("0"..."9").contains($0) }
    }

    private static func bracketed(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }

    /// Serves a new client over an in-memory stream (no port at all) and returns the client's end.
    public func connectInMemory() -> any ByteStream {
        connectInMemory(activity: nil)
    }

    /// Like ``connectInMemory()``; both directions report unread bytes to `activity` (a test harness's monitor).
    package func connectInMemory(activity: ActivityMonitor?) -> any ByteStream {
        let (client, server) = InMemoryDuplex.makePair(activity: activity)
        incoming.yield(server)
        return client
    }

    /// Stops accepting, closes every connection and waits until all connection tasks have ended. Idempotent.
    public func shutdown() async {
        if !isShutDown.exchange(true, ordering: .acquiringAndReleasing) {
            core.shutDown()
            core.stopTimers()
            listener.close()
            adminServer?.shutdown()
            incoming.finish()
        }
        await serverTask.value
        await core.logger.flush()
    }

    /// Moves a ``ManualClock`` forward (waking every client and broker timer it reaches) and runs the broker's timers
    /// that became due before returning (keep-alive, token expiry, delayed delivery). Does nothing to the time of a
    /// ``SystemClock``, but still runs the due timers. After ``ManualClock/set(milliseconds:)`` (a wall-clock jump),
    /// `advanceTime(by: .zero)` runs what the jump made due.
    public func advanceTime(by duration: Duration) {
        if let manual = configuration.clock as? ManualClock {
            manual.advance(by: duration)
        }
        core.tick()
    }

    /// Closes every client connection, as a broker restart would; clients reconnect and the state stays.
    public func disconnectAllClients() {
        core.closeAllStreams()
    }
}

/// Starts an emulator, runs `body` with it, and always shuts it down, also when `body` throws.
public func withPulsarEmulator<T>(
    _ configuration: EmulatorConfiguration = EmulatorConfiguration(),
    _ body: (PulsarEmulator) async throws -> T
) async throws -> T {
    let emulator = try await PulsarEmulator.start(configuration)
    do {
        let result = try await body(emulator)
        await emulator.shutdown()
        return result
    } catch {
        await emulator.shutdown()
        throw error
    }
}
