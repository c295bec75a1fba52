import PulsarSupport
import PulsarWire
import Synchronization

/// An in-process Pulsar for one test: an emulator, an event bus and clients wired to it over in-memory streams, all
/// on one virtual clock. Made by ``withPulsarTestHarness(_:_:)``, which always tears it down.
///
/// ```
///   test ── bus.registerConsumer / makeProducer ──┐
///        ── makeClient() ─────────────────────────┼── in-memory streams ──▶ emulator
///        ── publish / messages(of:) ──────────────┘           (TCP too, at serviceURL)
///        ── until / settle / runUntilIdle ◀── ActivityMonitor (frames, handlers, wake-ups in flight)
///                                        └──▶ clock: ManualClock shared by clients, bus and emulator
/// ```
/// Against an external broker (``PulsarTestHarnessOptions/brokerURL``) the same calls run over TCP in real time,
/// except those that need the emulator.
public final class PulsarTestHarness: Sendable {
    /// The event bus a service under test uses: its producers and consumers reach the harness's broker whatever name
    /// server they ask for.
    public let bus: PulsarEventBus
    /// The in-process emulator, or nil against an external broker.
    public let emulator: PulsarEmulator?
    /// The fault proxy between the clients and the in-process emulator, when ``PulsarTestHarnessOptions/faultProxy``
    /// asks for one.
    public let proxy: FaultProxy?
    /// The virtual clock shared by the emulator, the clients and the bus, or nil against an external broker.
    public let clock: ManualClock?
    /// The broker's TCP URL, for clients in other processes or languages (the emulator listens on a loopback port).
    public let serviceURL: String
    /// The broker's admin REST URL, when there is one.
    public let adminURL: String?
    /// The configuration of every client the harness makes (``makeClient()``, the bus's clients).
    public let clientConfiguration: ClientConfiguration
    /// The options the harness was made with.
    public let options: PulsarTestHarnessOptions

    let monitor: ActivityMonitor
    let eventLog: EventLog
    private let connections = ConnectionCounter()
    private let clients = Mutex<[PulsarClient]>([])
    private let publisher = Mutex<(client: PulsarClient?, producers: [String: Producer])>((nil, [:]))

    init(options: PulsarTestHarnessOptions) async throws {
        self.options = options
        let monitor = ActivityMonitor()
        let eventLog = EventLog()
        self.monitor = monitor
        self.eventLog = eventLog
        var configuration: ClientConfiguration
        if let brokerURL = options.brokerURL {
            emulator = nil
            clock = nil
            proxy = nil
            serviceURL = brokerURL
            adminURL = options.adminURL
            configuration = ClientConfiguration(serviceURL: brokerURL)
            if let token = options.token { configuration.authentication = .token(token) }
        } else {
            let clock = ManualClock(startMilliseconds: options.startMilliseconds)
            clock.report(to: monitor)
            var emulatorConfiguration = options.emulator
            emulatorConfiguration.clock = clock
            emulatorConfiguration.keepAliveInterval = options.keepAliveInterval
            emulatorConfiguration.frameJournalCapacity = max(emulatorConfiguration.frameJournalCapacity, options.journaledFrames)
            let emulator = try await PulsarEmulator.start(emulatorConfiguration)
            self.emulator = emulator
            self.clock = clock
            serviceURL = emulator.serviceURL
            adminURL = emulator.adminURL
            configuration = ClientConfiguration(serviceURL: emulator.serviceURL)
            if options.faultProxy {
                var proxyConfiguration = FaultProxy.Configuration(name: "harness", upstream: emulator.serviceURL)
                proxyConfiguration.clock = clock
                proxyConfiguration.seed = options.faultSeed
                let proxy = FaultProxy.inMemory(proxyConfiguration)
                self.proxy = proxy
                configuration.connector = Connector { [connections] _, _ in
                    connections.count.add(1, ordering: .relaxed)
                    return proxy.connectInMemory(to: emulator.connectInMemory(activity: monitor), activity: monitor)
                }
            } else {
                proxy = nil
                configuration.connector = Connector { [connections] _, _ in
                    connections.count.add(1, ordering: .relaxed)
                    return emulator.connectInMemory(activity: monitor)
                }
            }
            if let authentication = emulatorConfiguration.authentication, authentication.signingKey != nil {
                let role = options.tokenRole
                let lifetime = options.tokenLifetime.map { Int64($0.components.seconds) }
                configuration.authentication = .tokenSupplier {
                    try authentication.mintToken(role: role, expiresAt: lifetime.map { clock.now() / 1000 + $0 })
                }
            }
            configuration.clock = clock
            configuration.activity = monitor
            configuration.initialReconnectBackoff = .zero
            configuration.keepAliveInterval = options.keepAliveInterval
        }
        configuration.operationTimeout = options.operationTimeout
        configuration.logger = options.logger
        clientConfiguration = configuration
        bus = PulsarEventBus(configuration: configuration, consumerDefaults: options.consumerDefaults,
                             observer: { event in eventLog.append(event) })
    }

    /// Connections the harness's clients have opened to the in-process emulator (reconnections included).
    public var connectionsOpened: Int { connections.count.load(ordering: .relaxed) }

    /// Whether the harness runs the in-process emulator (virtual time, quiescence and broker faults available).
    public var isInProcess: Bool { emulator != nil }

    /// A new client of the harness's broker (closed at teardown if the test does not close it). Its consumers group
    /// acknowledgements for `ConsumerOptions.ackGroupingInterval` (100 ms of virtual time by default): set it to
    /// zero, or call ``runUntilIdle(limit:timeout:)``, before reading acknowledgements from the broker.
    public func makeClient() throws -> PulsarClient {
        let client = try PulsarClient(configuration: clientConfiguration)
        clients.withLock { $0.append(client) }
        return client
    }

    /// Publishes `body` to `topic` through the harness's own producer (unbatched) and returns its message id.
    ///
    /// - Throws: ``PulsarTestHarnessError/Code/invalidArgument`` for an empty topic; the client's error when the
    ///   broker refuses the message.
    @discardableResult
    public func publish(_ body: [UInt8], to topic: String, key: String? = nil,
                        properties: [String: String] = [:]) async throws -> MessageID {
        let producer = try await publishingProducer(topic)
        var sendOptions = SendOptions()
        sendOptions.key = key
        sendOptions.properties = properties
        return try await producer.send(body, options: sendOptions)
    }

    /// Publishes the UTF-8 bytes of `text` (see ``publish(_:to:key:properties:)-(_,_,_,_)``).
    @discardableResult
    public func publish(_ text: String, to topic: String, key: String? = nil,
                        properties: [String: String] = [:]) async throws -> MessageID {
        try await publish(Array(text.utf8), to: topic, key: key, properties: properties)
    }

    private func publishingProducer(_ topic: String) async throws -> Producer {
        guard !topic.isEmpty else { throw PulsarTestHarnessError(.invalidArgument, "publish needs a topic") }
        let full = try Self.fullName(topic)
        if let producer = publisher.withLock({ $0.producers[full] }) { return producer }
        let client = try publisher.withLock { publisher -> PulsarClient in
            if let client = publisher.client { return client }
            let client = try PulsarClient(configuration: clientConfiguration)
            publisher.client = client
            return client
        }
        var producerOptions = ProducerOptions()
        producerOptions.batchingEnabled = false
        let producer = try await client.makeProducer(topic: full, options: producerOptions)
        let kept = publisher.withLock { publisher -> Producer? in
            if let existing = publisher.producers[full] { return existing }
            publisher.producers[full] = producer
            return nil
        }
        if let kept {
            await producer.close()
            return kept
        }
        return producer
    }

    /// `persistent://public/default/<name>` for a short name; a full name unchanged.
    static func fullName(_ topic: String) throws -> String {
        do {
            return try TopicName(topic).description
        } catch {
            throw PulsarTestHarnessError(.invalidArgument, "\"\(topic)\" is not a topic name: \(error)")
        }
    }

    /// Every client ``makeClient()`` made, closed or not.
    var madeClients: [PulsarClient] { clients.withLock { $0 } }

    /// Stops the bus (running handlers get `deadline`), closes every client the harness made, stops the emulator.
    ///
    /// Closing waits for what clients still have to flush, bounded by their operation timeout in virtual time, so
    /// the virtual clock moves while the system is quiescent (a send held by a fault would otherwise keep a close
    /// waiting for ever). After `deadline` of real time the emulator is stopped anyway, which ends every wait.
    func tearDown(deadline: Duration = .seconds(5)) async {
        let closing = Task {
            await bus.shutdown(deadline: deadline)
            for client in madeClients { await client.close() }
            if let client = publisher.withLock({ $0.client }) { await client.close() }
        }
        if clock != nil {
            let closed = Atomic(false)
            let watcher = Task {
                await closing.value
                closed.store(true, ordering: .releasing)
                monitor.touch()
            }
            try? await until("the harness to close its clients", timeout: deadline + .seconds(5), advancingTime: true) {
                closed.load(ordering: .acquiring)
            }
            await proxy?.shutdown()
            await emulator?.shutdown()
            await watcher.value
        } else {
            await closing.value
        }
    }
}

/// Counts the connections a harness's clients open.
final class ConnectionCounter: Sendable {
    let count = Atomic(0)
}
