import PulsarNet
import PulsarSupport
import Synchronization

/// A fault proxy between any Pulsar client and any broker (the emulator or a real one): it forwards bytes both ways
/// through toxics (``Toxic``) that can be added and removed while traffic flows, and rewrites the broker's lookup
/// answers so the client's producer and consumer connections come through it too.
///
/// ```
///  client ──▶ listen ──▶ [ProxyLink: upstream pump ─▶ broker]
///         ◀──        ◀── [          downstream pump ◀─ broker]   (one link per client connection)
/// ```
public final class FaultProxy: Sendable {
    /// How a proxy starts.
    public struct Configuration: Sendable {
        /// Names the proxy (Toxiproxy's proxy name).
        public var name: String
        /// `host:port` to listen on; port 0 picks a free one (see ``FaultProxy/listenAddress``).
        public var listen: String
        /// `host:port` of the broker.
        public var upstream: String
        /// `host:port` clients are sent to in rewritten lookups; nil uses the bound address (a wildcard listen
        /// address, `0.0.0.0` or `::`, becomes loopback). Set it when clients reach the proxy another way (a port
        /// mapping, a container name).
        public var advertisedAddress: String?
        /// Rewrite LOOKUP_RESPONSE to point at the proxy (on by default: without it an official client bypasses the
        /// proxy after its lookup).
        public var rewritesLookups = true
        /// Seeds every random choice (toxicity, jitter, slice sizes): the same seed and the same connection order
        /// give the same decisions.
        public var seed: UInt64 = 0
        /// The clock of toxic delays; a ``ManualClock`` makes them virtual.
        public var clock: any PulsarClock = SystemClock()
        /// Whether the proxy accepts connections from the start.
        public var enabled = true

        /// A proxy named `name` from `listen` to `upstream`.
        public init(name: String = "pulsar", listen: String = "127.0.0.1:0", upstream: String) {
            self.name = name
            self.listen = listen
            self.upstream = upstream
        }
    }

    private struct State {
        var toxics: [Toxic] = []
        var links: [Int: ProxyLink] = [:]
        var nextLink = 0
        var listener: TCPListener?
        var acceptTask: Task<Void, Never>?
        var memoryLinkTasks: [Int: Task<Void, Never>] = [:]
        var listenAddress: SocketAddress
        var upstream: String
        var enabled: Bool
        var isShutDown = false
    }

    /// The configuration it started with.
    public let configuration: Configuration
    /// True for a proxy made by ``inMemory(_:)``: it has no listener, and links in-memory streams.
    let isInMemory: Bool
    private let state: Mutex<State>
    private let ruleBook: SharedRuleBook

    private init(configuration: Configuration, listener: TCPListener?, address: SocketAddress, inMemory: Bool = false) {
        self.configuration = configuration
        isInMemory = inMemory
        ruleBook = SharedRuleBook(seed: configuration.seed ^ 0x5eed_0f_f4)
        state = Mutex(State(listener: listener, listenAddress: address, upstream: configuration.upstream,
                            enabled: configuration.enabled))
    }

    /// A proxy without a socket, for an in-process broker: each ``connectInMemory(to:activity:)`` links a client's
    /// in-memory stream to a broker stream through the same toxics and rules as a TCP proxy, on the configuration's
    /// clock (a test harness's virtual clock). Lookups are not rewritten: in-memory clients ignore addresses.
    package static func inMemory(_ configuration: Configuration) -> FaultProxy {
        var configuration = configuration
        configuration.rewritesLookups = false
        return FaultProxy(configuration: configuration, listener: nil, address: try! SocketAddress(ipAddress: "127.0.0.1", port: 0), inMemory: true)
    }

    /// Links a new client connection to `broker` through the proxy and returns the client's end. While the proxy is
    /// disabled the client's end is closed at once (a refused connection), and `broker` with it.
    package func connectInMemory(to broker: any ByteStream, activity: ActivityMonitor?) -> any ByteStream {
        let (client, proxySide) = InMemoryDuplex.makePair(activity: activity)
        let registered: Bool = state.withLock { state in
            guard state.enabled, !state.isShutDown else { return false }
            let id = state.nextLink
            state.nextLink += 1
            let link = makeLink(id: id, client: proxySide, broker: broker, advertised: nil, toxics: state.toxics)
            state.links[id] = link
            state.memoryLinkTasks[id] = Task { [weak self] in
                await link.run()
                self?.state.withLock { state in
                    _ = state.links.removeValue(forKey: id)
                    _ = state.memoryLinkTasks.removeValue(forKey: id)
                }
            }
            return true
        }
        if !registered {
            proxySide.close()
            broker.close()
        }
        return client
    }

    /// Binds the listen address and starts proxying.
    ///
    /// - Throws: ``FaultProxyError`` (`invalidArgument` for a malformed address, `bindFailed`).
    public static func start(_ configuration: Configuration) async throws(FaultProxyError) -> FaultProxy {
        _ = try HostPort(configuration.upstream)
        if let advertised = configuration.advertisedAddress, !advertised.isEmpty { _ = try HostPort(advertised) }
        let listen = try HostPort(configuration.listen)
        let address: SocketAddress
        do {
            address = try await SocketAddress.resolve(host: listen.host, port: listen.port, timeout: .seconds(10))[0]
        } catch {
            throw FaultProxyError(.invalidArgument, "cannot resolve \(configuration.listen): \(error)")
        }
        let listener = configuration.enabled ? try bind(address) : nil
        let proxy = FaultProxy(configuration: configuration, listener: listener, address: listener?.localAddress ?? address)
        if let listener { proxy.startAccepting(listener) }
        return proxy
    }

    /// `host:port` the proxy listens on (the real port once bound).
    public var listenAddress: String { state.withLock { $0.listenAddress.description } }

    /// `pulsar://host:port` of the proxy: what clients connect to, and what rewritten lookups name.
    public var serviceURL: String { state.withLock { Self.serviceURL(configuration, bound: $0.listenAddress) } }

    /// `host:port` of the broker.
    public var upstream: String { state.withLock { $0.upstream } }

    /// True while the proxy accepts connections.
    public var isEnabled: Bool { state.withLock { $0.enabled } }

    /// Connections proxied now.
    public var connectionCount: Int { state.withLock { $0.links.count } }

    /// LOOKUP_RESPONSEs rewritten so far on open connections.
    public var rewrittenLookups: Int { state.withLock { Array($0.links.values) }.reduce(0) { $0 + $1.downstreamPump.rewrittenLookups } }

    /// The toxics, in chain order.
    public var toxics: [Toxic] { state.withLock { $0.toxics } }

    /// Adds a toxic at the end of the chain; open connections get it at once.
    ///
    /// - Throws: ``FaultProxyError`` (`alreadyExists`, `invalidArgument`).
    public func addToxic(_ toxic: Toxic) throws(FaultProxyError) {
        try Self.validate(toxic)
        try changeToxics { toxics throws(FaultProxyError) in
            guard !toxics.contains(where: { $0.name == toxic.name }) else {
                throw FaultProxyError(.alreadyExists, "toxic already exists: \(toxic.name)")
            }
            toxics.append(toxic)
        }
    }

    /// Replaces the toxic of the same name (it starts again on every connection).
    ///
    /// - Throws: ``FaultProxyError`` (`notFound`, `invalidArgument`).
    public func updateToxic(_ toxic: Toxic) throws(FaultProxyError) {
        try Self.validate(toxic)
        try changeToxics { toxics throws(FaultProxyError) in
            guard let index = toxics.firstIndex(where: { $0.name == toxic.name }) else {
                throw FaultProxyError(.notFound, "toxic not found: \(toxic.name)")
            }
            toxics[index] = toxic
        }
    }

    /// Removes a toxic; bytes it already holds still leave, in order.
    ///
    /// - Throws: ``FaultProxyError`` (`notFound`).
    public func removeToxic(named name: String) throws(FaultProxyError) {
        try changeToxics { toxics throws(FaultProxyError) in
            guard toxics.contains(where: { $0.name == name }) else { throw FaultProxyError(.notFound, "toxic not found: \(name)") }
            toxics.removeAll { $0.name == name }
        }
    }

    /// Removes every toxic.
    public func removeAllToxics() {
        try? changeToxics { $0 = [] }
    }

    /// The frame rules, in the order they are tried.
    public var rules: [FrameRule] { ruleBook.book.withLock { $0.rules } }

    /// How often each rule has fired, by name, since the proxy started: removing a rule keeps its count, and a rule
    /// added again under the same name adds to it.
    public var ruleFirings: [String: Int] { ruleBook.book.withLock { $0.firings } }

    /// Adds a frame rule after the others (the first rule that fires on a frame decides); open connections apply it
    /// from their next frame on.
    ///
    /// - Throws: ``FaultProxyError`` (`alreadyExists`, `invalidArgument`).
    public func addRule(_ rule: FrameRule) throws(FaultProxyError) {
        if let problem = rule.problem { throw FaultProxyError(.invalidArgument, problem) }
        let now = configuration.clock.instant.nanoseconds
        try ruleBook.book.withLock { book throws(FaultProxyError) in
            guard !book.rules.contains(where: { $0.name == rule.name }) else {
                throw FaultProxyError(.alreadyExists, "rule already exists: \(rule.name)")
            }
            book.add(rule, now: now)
        }
    }

    /// Removes a frame rule.
    ///
    /// - Throws: ``FaultProxyError`` (`notFound`).
    public func removeRule(named name: String) throws(FaultProxyError) {
        guard ruleBook.book.withLock({ $0.remove(named: name) }) else {
            throw FaultProxyError(.notFound, "rule not found: \(name)")
        }
    }

    /// Removes every frame rule.
    public func removeAllRules() {
        ruleBook.book.withLock { $0.removeAll() }
    }

    /// Enables or disables the proxy. Disabled (Toxiproxy's `enabled: false`, the `down` fault), it closes its
    /// listener and every open connection; enabled again, it listens on the same address.
    ///
    /// - Throws: ``FaultProxyError`` (`bindFailed`) when the address cannot be bound again.
    public func setEnabled(_ enabled: Bool) throws(FaultProxyError) {
        if enabled {
            let address = state.withLock { state -> SocketAddress? in
                guard !state.enabled, !state.isShutDown else { return nil }
                if isInMemory { state.enabled = true }
                return isInMemory ? nil : state.listenAddress
            }
            guard let address else { return }
            let listener = try Self.bind(address)
            startAccepting(listener)
        } else {
            let (listener, task, links) = state.withLock { state in
                defer { state.listener = nil; state.acceptTask = nil; state.links = [:]; state.enabled = false }
                return (state.listener, state.acceptTask, Array(state.links.values))
            }
            listener?.close()
            task?.cancel()
            for link in links { link.stop() }
        }
    }

    /// Moves the proxy to another broker; open connections stay with the old one.
    public func setUpstream(_ upstream: String) throws(FaultProxyError) {
        _ = try HostPort(upstream)
        state.withLock { $0.upstream = upstream }
    }

    /// Stops listening and closes every connection. Idempotent.
    public func shutdown() async {
        let (task, memoryTasks) = state.withLock { state in
            state.isShutDown = true
            return (state.acceptTask, Array(state.memoryLinkTasks.values))
        }
        try? setEnabled(false)
        await task?.value
        for task in memoryTasks { await task.value }
    }

    // MARK: Internals

    private func changeToxics(_ change: (inout [Toxic]) throws(FaultProxyError) -> Void) throws(FaultProxyError) {
        let (toxics, links) = try state.withLock { state throws(FaultProxyError) in
            try change(&state.toxics)
            return (state.toxics, Array(state.links.values))
        }
        for link in links { link.update(toxics) }
    }

    static func serviceURL(_ configuration: Configuration, bound: SocketAddress) -> String {
        if let advertised = configuration.advertisedAddress, !advertised.isEmpty { return "pulsar://" + advertised }
        let host = bound.host == "0.0.0.0" ? "127.0.0.1" : bound.host == "::" ? "::1" : bound.host
        return "pulsar://" + (host.contains(":") ? "[\(host)]:\(bound.port)" : "\(host):\(bound.port)")
    }

    private static func validate(_ toxic: Toxic) throws(FaultProxyError) {
        if let problem = toxic.problem { throw FaultProxyError(.invalidArgument, problem) }
    }

    private static func bind(_ address: SocketAddress) throws(FaultProxyError) -> TCPListener {
        do {
            return try TCPListener.bind(address: address)
        } catch {
            throw FaultProxyError(.bindFailed, "cannot listen on \(address): \(error)")
        }
    }

    private func startAccepting(_ listener: TCPListener) {
        let task = Task { [weak self] in
            await withDiscardingTaskGroup { group in
                while let client = try? await listener.accept() {
                    guard let self else { client.close(); break }
                    group.addTask { await self.serve(client) }
                }
            }
        }
        state.withLock { state in
            state.listener = listener
            state.listenAddress = listener.localAddress
            state.acceptTask = task
            state.enabled = true
        }
    }

    private func makeLink(id: Int, client: any ByteStream, broker: any ByteStream, advertised: String?,
                          toxics: [Toxic]) -> ProxyLink {
        ProxyLink(id: id, client: client, broker: broker, advertisedServiceURL: advertised,
                  seed: configuration.seed &+ UInt64(id) &* 0x9e37_79b9, toxics: toxics, ruleBook: ruleBook,
                  clock: configuration.clock)
    }

    private func serve(_ client: TCPConnection) async {
        let upstream = state.withLock { $0.upstream }
        guard let target = try? HostPort(upstream),
              let broker = try? await TCPConnection.connect(host: target.host, port: target.port, timeout: .seconds(10)) else {
            client.close()
            return
        }
        let link: ProxyLink? = state.withLock { state in
            guard state.listener != nil else { return nil }
            let id = state.nextLink
            state.nextLink += 1
            let advertised = configuration.rewritesLookups ? Self.serviceURL(configuration, bound: state.listenAddress) : nil
            let link = makeLink(id: id, client: client, broker: broker, advertised: advertised, toxics: state.toxics)
            state.links[id] = link
            return link
        }
        guard let link else {
            client.close()
            broker.close()
            return
        }
        await link.run()
        state.withLock { _ = $0.links.removeValue(forKey: link.id) }
    }
}

/// `host:port`, with IPv6 hosts in brackets.
struct HostPort {
    let host: String
    let port: Int

    init(_ text: String) throws(FaultProxyError) {
        var host: Substring
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            guard text[close...].hasPrefix("]:") else { throw FaultProxyError(.invalidArgument, "\"\(text)\" is not host:port") }
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw FaultProxyError(.invalidArgument, "\"\(text)\" is not host:port") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        if host.isEmpty { host = "0.0.0.0" }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw FaultProxyError(.invalidArgument, "\"\(text)\" has no valid port")
        }
        self.host = String(host)
        self.port = port
    }
}
