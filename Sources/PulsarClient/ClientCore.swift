import PulsarSupport
import Synchronization

/// Something the client closes when it is closed.
protocol ClientResource: AnyObject, Sendable {
    func closeFromClient() async
}

/// What every producer and consumer of one client shares: settings, the connection pool, lookup, the timer, id
/// counters and the list of open resources.
final class ClientCore: Sendable {
    let configuration: ClientConfiguration
    let serviceURL: ServiceURL
    let timer: ClientTimer
    let pool: ConnectionPool
    let lookup: LookupService
    private let nextProducerId = Atomic<UInt64>(0)
    private let nextConsumerId = Atomic<UInt64>(0)
    private let resources = Mutex<(closed: Bool, items: [ObjectIdentifier: any ClientResource])>((false, [:]))

    init(configuration: ClientConfiguration) throws {
        serviceURL = try configuration.validated()
        self.configuration = configuration
        let timer = ClientTimer(clock: configuration.clock)
        let machine = ConnectionStateMachine.Configuration(
            keepAliveInterval: configuration.keepAliveInterval, connectionTimeout: configuration.connectionTimeout,
            operationTimeout: configuration.operationTimeout)
        let pool = ConnectionPool(connector: configuration.connector, timeout: configuration.connectionTimeout, timer: timer) { proxied in
            Connection.Settings(machine: machine, clientVersion: configuration.clientVersion,
                                authentication: configuration.authentication, logger: configuration.logger,
                                proxyToBrokerURL: proxied)
        }
        self.timer = timer
        self.pool = pool
        lookup = LookupService(pool: pool, serviceURL: serviceURL, maxRedirects: configuration.maxLookupRedirects,
                               listenerName: configuration.listenerName)
    }

    var logger: PulsarLogger { configuration.logger }

    /// The clock of every protocol timer (``ClientConfiguration/clock``).
    var clock: any PulsarClock { configuration.clock }

    func makeProducerId() -> UInt64 { nextProducerId.wrappingAdd(1, ordering: .relaxed).oldValue }
    func makeConsumerId() -> UInt64 { nextConsumerId.wrappingAdd(1, ordering: .relaxed).oldValue }

    /// Told about work in flight that a test harness must wait for (a message handed to a waiting `receive`, a
    /// reconnect, a dead-letter hand-off); nil outside a harness.
    var activity: ActivityMonitor? { configuration.activity }

    /// Runs `body` in a task of its own, counted as work in flight until it returns.
    func runCounted(_ body: @escaping @Sendable () async -> Void) {
        activity?.begin()
        Task { [activity] in
            await CountedWork.$monitor.withValue(activity) { await body() }
            activity?.end()
        }
    }

    /// Sleeps on the client's clock while not counting as work in flight: a backoff is a timer a harness plays out
    /// (it shows as the clock's next wake-up), not work to wait for. A zero delay does not suspend at all.
    func sleepIdle(for delay: Duration) async throws {
        guard delay > .zero else { return }
        activity?.end()
        defer { activity?.begin() }
        try await clock.sleep(for: delay)
    }

    /// A fresh reconnect backoff.
    func makeBackoff() -> Backoff {
        Backoff(initial: configuration.initialReconnectBackoff, maximum: configuration.maxReconnectBackoff)
    }

    var isClosed: Bool { resources.withLock { $0.closed } }

    /// Tracks an open producer or consumer; throws if the client is closed.
    func register(_ resource: any ClientResource) throws {
        try resources.withLock { state in
            guard !state.closed else { throw PulsarClientError.closed("the client") }
            state.items[ObjectIdentifier(resource)] = resource
        }
    }

    /// Forgets a closed producer or consumer.
    func unregister(_ resource: any ClientResource) {
        resources.withLock { _ = $0.items.removeValue(forKey: ObjectIdentifier(resource)) }
    }

    /// Closes every producer and consumer, then every connection.
    func close() async {
        let items = resources.withLock { state -> [any ClientResource] in
            state.closed = true
            defer { state.items = [:] }
            return Array(state.items.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for item in items { group.addTask { await item.closeFromClient() } }
        }
        pool.close()
        timer.stop()
        await logger.flush()
    }

    /// Runs `attempt` until it succeeds, fails with an error that retrying cannot fix, or the operation timeout
    /// passes (then the last error is thrown), backing off between attempts.
    func retrying<T: Sendable>(_ what: String, _ attempt: () async throws -> T) async throws -> T {
        let deadline = clock.instant + configuration.operationTimeout
        var backoff = makeBackoff()
        while true {
            do {
                return try await attempt()
            } catch let error as PulsarClientError {
                guard error.isRetryable, !isClosed else { throw error }
                let delay = backoff.next()
                guard clock.instant + delay < deadline else {
                    throw error.code == .timeout ? error
                        : PulsarClientError(error.code, "\(what): \(error.message) (gave up after \(configuration.operationTimeout))",
                                            serverError: error.serverError, topic: error.topic)
                }
                logger.info("\(what) failed (\(error)); retrying in \(delay)")
                try await clock.sleep(for: delay)
            }
        }
    }
}
