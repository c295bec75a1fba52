import PulsarNet
import PulsarSupport
import Synchronization

/// A set of fault proxies and the Toxiproxy-compatible HTTP API that drives them: Toxiproxy's paths, JSON shapes and
/// toxic names, so existing Toxiproxy clients and scripts work unchanged (the default Toxiproxy port is 8474).
///
/// ```
///  GET    /version                          {"version": "…"}
///  POST   /reset                            enable every proxy, remove every toxic
///  GET    /proxies                          {name: proxy, …}
///  POST   /proxies                          {"name", "listen", "upstream", "enabled"} → 201 proxy
///  POST   /populate                         [proxy, …] → 201 {"proxies": […]} (create, or replace when changed)
///  GET    /proxies/{proxy}                  proxy with its toxics
///  POST   /proxies/{proxy}  (or PATCH)      {"enabled", "upstream"} → proxy
///  DELETE /proxies/{proxy}
///  GET    /proxies/{proxy}/toxics           [toxic, …]
///  POST   /proxies/{proxy}/toxics           {"name", "type", "stream", "toxicity", "attributes"} → toxic
///  GET    /proxies/{proxy}/toxics/{toxic}
///  POST   /proxies/{proxy}/toxics/{toxic}  (or PATCH)   changed fields → toxic
///  DELETE /proxies/{proxy}/toxics/{toxic}
/// ```
/// Errors are `{"error": "…", "status": N}` with Toxiproxy's codes: 400 bad body or toxic, 404 not found, 409 exists.
public final class FaultProxyServer: Sendable {
    /// The Toxiproxy version the API answers with (its behaviour is that version's).
    public static let toxiproxyVersion = "2.9.0"

    private let proxies = Mutex<[String: FaultProxy]>([:])
    private let http: Mutex<HTTPServer?> = Mutex(nil)
    private let serving: Mutex<Task<Void, Never>?> = Mutex(nil)
    /// Seeds the proxies created through the API (each gets this plus its creation index).
    let seed: UInt64
    private let created = Atomic<UInt64>(0)
    /// The clock of the proxies created through the API.
    let clock: any PulsarClock

    /// A server with no proxies and no HTTP port yet (see ``start(host:port:seed:clock:)``).
    public init(seed: UInt64 = 0, clock: any PulsarClock = SystemClock()) {
        self.seed = seed
        self.clock = clock
    }

    /// Starts a server with its API on `host:port` (0 picks a free port).
    ///
    /// - Throws: `NetError` when the port cannot be bound.
    public static func start(host: String = "127.0.0.1", port: Int = 0, seed: UInt64 = 0,
                             clock: any PulsarClock = SystemClock()) async throws -> FaultProxyServer {
        let server = FaultProxyServer(seed: seed, clock: clock)
        let address = try await SocketAddress.resolve(host: host, port: port, timeout: .seconds(10))[0]
        let listener = try TCPListener.bind(address: address)
        var options = HTTPServer.Options()
        options.label = "fault proxy API"
        let router = ToxiproxyRouter(server: server)
        let http = HTTPServer(listener: listener, options: options, logger: .silent) { request in await router.respond(to: request) }
        server.http.withLock { $0 = http }
        server.serving.withLock { $0 = Task { await http.run() } }
        return server
    }

    /// `http://host:port` of the API, once started.
    public var apiURL: String? {
        http.withLock { $0 }.map { "http://\($0.localAddress)" }
    }

    /// Creates a proxy and starts it, with the server's clock and a seed derived from the server's (the
    /// configuration's own `clock` and `seed` are replaced, so one server seed replays every proxy).
    ///
    /// - Throws: ``FaultProxyError`` (`alreadyExists` for a name in use, or what ``FaultProxy/start(_:)`` throws).
    @discardableResult
    public func createProxy(_ configuration: FaultProxy.Configuration) async throws(FaultProxyError) -> FaultProxy {
        guard proxy(named: configuration.name) == nil else {
            throw FaultProxyError(.alreadyExists, "proxy already exists: \(configuration.name)")
        }
        var configuration = configuration
        configuration.clock = clock
        configuration.seed = seed &+ created.add(1, ordering: .relaxed).newValue
        let proxy = try await FaultProxy.start(configuration)
        let added = proxies.withLock { proxies -> Bool in
            guard proxies[configuration.name] == nil else { return false }
            proxies[configuration.name] = proxy
            return true
        }
        guard added else {
            await proxy.shutdown()
            throw FaultProxyError(.alreadyExists, "proxy already exists: \(configuration.name)")
        }
        return proxy
    }

    /// The proxy named `name`.
    public func proxy(named name: String) -> FaultProxy? { proxies.withLock { $0[name] } }

    /// Every proxy, by name.
    public var allProxies: [String: FaultProxy] { proxies.withLock { $0 } }

    /// Stops and forgets a proxy.
    ///
    /// - Throws: ``FaultProxyError`` (`notFound`).
    public func removeProxy(named name: String) async throws(FaultProxyError) {
        guard let proxy = proxies.withLock({ $0.removeValue(forKey: name) }) else {
            throw FaultProxyError(.notFound, "proxy not found: \(name)")
        }
        await proxy.shutdown()
    }

    /// Enables every proxy and removes every toxic (Toxiproxy's reset).
    public func reset() {
        for proxy in allProxies.values {
            try? proxy.setEnabled(true)
            proxy.removeAllToxics()
        }
    }

    /// Stops the API and every proxy.
    public func shutdown() async {
        http.withLock { $0 }?.shutdown()
        await serving.withLock { $0 }?.value
        for proxy in proxies.withLock({ proxies in defer { proxies = [:] }; return Array(proxies.values) }) {
            await proxy.shutdown()
        }
    }
}
