import PulsarNet
import PulsarSupport
import PulsarWire
import Synchronization

/// What a producer hears from its connection.
protocol ProducerConnectionListener: AnyObject, Sendable {
    func receiptReceived(_ receipt: CommandSendReceipt)
    func sendErrorReceived(_ error: CommandSendError)
    func closedByBroker(_ connection: Connection)
    func connectionClosed(_ connection: Connection, error: PulsarClientError)
}

/// What a consumer hears from its connection.
protocol ConsumerConnectionListener: AnyObject, Sendable {
    /// A MESSAGE frame; `entry` is nil when the frame carried none, `checksumValid` false on a CRC32C mismatch.
    func messageReceived(_ message: CommandMessage, entry: MessageEntry?, checksumValid: Bool)
    func closedByBroker(_ connection: Connection, consumerId: UInt64)
    func connectionClosed(_ connection: Connection, error: PulsarClientError)
}

/// One broker connection: the only place that reads and writes its stream. It runs the connection state machine
/// (handshake, request table, keep-alive), answers requests, and routes receipts and messages to the producers
/// and consumers registered on it.
final class Connection: Sendable, Tickable {
    struct Settings: Sendable {
        var machine: ConnectionStateMachine.Configuration
        var clientVersion: String
        var authentication: Authentication
        var logger: PulsarLogger
        var proxyToBrokerURL: String?
    }

    private struct State {
        var machine: ConnectionStateMachine
        var requests: [UInt64: CheckedContinuation<Command, any Error>] = [:]
        var handshake: CheckedContinuation<ConnectionStateMachine.Negotiated, any Error>?
        var negotiated: ConnectionStateMachine.Negotiated?
        var producers: [UInt64: any ProducerConnectionListener] = [:]
        var consumers: [UInt64: any ConsumerConnectionListener] = [:]
        var closeError: PulsarClientError?
        var closeHandlers: [@Sendable (Connection) -> Void] = []
        var reported = ReportedDeadline()

        /// The machine's next deadline, if the timer does not know it yet (called with the lock held).
        mutating func deadlineToReport() -> PulsarInstant? { reported.report(machine.nextDeadline) }
    }

    /// The broker this connection serves (the logical address, as LOOKUP named it).
    let address: BrokerAddress
    let outbox: Outbox
    let settings: Settings
    private let timer: ClientTimer
    private let state: Mutex<State>

    /// A connection over `stream`, whose deadlines `timer` drives (the caller registers it).
    init(address: BrokerAddress, stream: any ByteStream, settings: Settings, timer: ClientTimer) {
        self.address = address
        self.settings = settings
        self.timer = timer
        outbox = Outbox(stream: stream)
        state = Mutex(State(machine: ConnectionStateMachine(configuration: settings.machine, now: timer.clock.instant)))
    }

    /// Tells the timer about a deadline the last operation created.
    private func schedule(_ deadline: PulsarInstant?) {
        if let deadline { timer.schedule(self, at: deadline) }
    }

    var logger: PulsarLogger { settings.logger }

    /// What the handshake settled (nil before CONNECTED).
    var negotiated: ConnectionStateMachine.Negotiated? { state.withLock { $0.negotiated } }

    /// The broker's maximum message size.
    var maxMessageSize: Int { negotiated?.maxMessageSize ?? FrameDecoder.defaultMaxMessageSize }

    /// Why the connection closed, once it has.
    var closeError: PulsarClientError? { state.withLock { $0.closeError } }

    // MARK: Handshake

    /// Sends CONNECT (with credentials) and waits for CONNECTED; the read loop must be running.
    func handshake() async throws {
        let credentials = try await settings.authentication.credentials()
        var connect = CommandConnect(clientVersion: settings.clientVersion, protocolVersion: ClientConfiguration.protocolVersion,
                                     featureFlags: FeatureFlags(supportsAuthRefresh: true, supportsBrokerEntryMetadata: true))
        if let method = settings.authentication.methodName {
            connect.authMethodName = method
            connect.authData = credentials
        }
        if let proxy = settings.proxyToBrokerURL { connect.proxyToBrokerUrl = proxy }
        let _: ConnectionStateMachine.Negotiated = try await CountedWork.awaitingBroker { try await withCheckedThrowingContinuation { continuation in
            let now = timer.clock.instant
            let (actions, failure, deadline) = state.withLock { state -> ([ConnectionStateMachine.Action], PulsarClientError?, PulsarInstant?) in
                if let error = state.closeError { return ([], error, nil) }
                state.handshake = continuation
                let actions = state.machine.handshakeStarted(connect, now: now)
                return (actions, nil, state.deadlineToReport())
            }
            schedule(deadline)
            if let failure { continuation.resume(throwing: failure) }
            run(actions)
        } }
    }

    // MARK: Requests and writes

    /// Sends the request `build(requestId)` and waits for its answer (ERROR answers throw).
    func request(_ name: String, timeout: Duration? = nil, _ build: (UInt64) -> Command) async throws -> Command {
        try await CountedWork.awaitingBroker { try await withCheckedThrowingContinuation { continuation in
            let now = timer.clock.instant
            let (failure, deadline) = state.withLock { state -> (PulsarClientError?, PulsarInstant?) in
                switch state.machine.requestStarted(name, timeout: timeout, now: now) {
                case .success(let id):
                    state.requests[id] = continuation
                    outbox.append(FrameEncoder.encode(build(id)))
                    return (nil, state.deadlineToReport())
                case .failure(let error):
                    return (error, nil)
                }
            }
            schedule(deadline)
            if let failure { continuation.resume(throwing: failure) } else { outbox.flush() }
        } }
    }

    /// Writes a command at once.
    func send(_ command: Command) {
        outbox.append(FrameEncoder.encode(command))
        outbox.flush()
    }

    // MARK: Listeners

    /// Routes the producer's receipts here; false if the connection is already closed.
    @discardableResult
    func register(producer id: UInt64, _ listener: any ProducerConnectionListener) -> Bool {
        state.withLock { state in
            guard state.closeError == nil else { return false }
            state.producers[id] = listener
            return true
        }
    }

    /// Routes the consumer's messages here; false if the connection is already closed.
    @discardableResult
    func register(consumer id: UInt64, _ listener: any ConsumerConnectionListener) -> Bool {
        state.withLock { state in
            guard state.closeError == nil else { return false }
            state.consumers[id] = listener
            return true
        }
    }

    /// Stops routing to the producer.
    func unregister(producer id: UInt64) {
        state.withLock { _ = $0.producers.removeValue(forKey: id) }
    }

    /// Stops routing to the consumer.
    func unregister(consumer id: UInt64) {
        state.withLock { _ = $0.consumers.removeValue(forKey: id) }
    }

    func producer(_ id: UInt64) -> (any ProducerConnectionListener)? { state.withLock { $0.producers[id] } }
    func consumer(_ id: UInt64) -> (any ConsumerConnectionListener)? { state.withLock { $0.consumers[id] } }

    /// Calls `handler` once the connection closes (at once if it already has).
    func onClose(_ handler: @escaping @Sendable (Connection) -> Void) {
        let closed = state.withLock { state -> Bool in
            if state.closeError != nil { return true }
            state.closeHandlers.append(handler)
            return false
        }
        if closed { handler(self) }
    }

    // MARK: State machine

    /// A command for the connection itself (not a receipt or a message).
    func commandReceived(_ command: Command) {
        let now = timer.clock.instant
        let (actions, deadline) = state.withLock { state in
            (state.machine.commandReceived(command, now: now), state.deadlineToReport())
        }
        schedule(deadline)
        run(actions)
    }

    /// Bytes arrived.
    func noteActivity() {
        let now = timer.clock.instant
        state.withLock { $0.machine.activity(now: now) }
    }

    /// Timer: request deadlines, handshake deadline, keep-alive.
    func tick(now: PulsarInstant) -> PulsarInstant? {
        let (actions, next) = state.withLock { state in
            let actions = state.machine.tick(now: now)
            return (actions, state.reported.ticked(state.machine.nextDeadline))
        }
        if !actions.isEmpty { run(actions) }
        return next
    }

    /// The one place that turns connection actions into I/O.
    private func run(_ actions: [ConnectionStateMachine.Action]) {
        for action in actions {
            switch action {
            case .send(let command):
                send(command)
            case .handshakeCompleted(let negotiated):
                let waiter = state.withLock { state -> CheckedContinuation<ConnectionStateMachine.Negotiated, any Error>? in
                    state.negotiated = negotiated
                    defer { state.handshake = nil }
                    return state.handshake
                }
                waiter?.resume(returning: negotiated)
            case .completeRequest(let id, let response):
                state.withLock { $0.requests.removeValue(forKey: id) }?.resume(returning: response)
            case .failRequest(let id, let error):
                state.withLock { $0.requests.removeValue(forKey: id) }?.resume(throwing: error)
            case .answerAuthChallenge:
                answerAuthChallenge()
            case .route(let command):
                route(command)
            case .close(let error):
                close(error)
            case .ignore(let type):
                logger.debug("\(address): ignoring unexpected \(type) from the broker")
            }
        }
    }

    private func answerAuthChallenge() {
        let authentication = settings.authentication
        Task {
            do {
                let credentials = try await authentication.credentials()
                send(.authResponse(CommandAuthResponse(
                    clientVersion: settings.clientVersion,
                    response: AuthData(authMethodName: authentication.methodName ?? "none", authData: credentials),
                    protocolVersion: ClientConfiguration.protocolVersion)))
                logger.info("\(address): answered AUTH_CHALLENGE with fresh credentials")
            } catch {
                close(error as? PulsarClientError ?? PulsarClientError(.authentication, "\(error)"))
            }
        }
    }

    /// Delivers a broker-to-producer or broker-to-consumer command.
    func route(_ command: Command) {
        switch command {
        case .sendReceipt(let receipt):
            producer(receipt.producerId)?.receiptReceived(receipt)
        case .sendError(let error):
            producer(error.producerId)?.sendErrorReceived(error)
        case .closeProducer(let close):
            let listener = state.withLock { $0.producers.removeValue(forKey: close.producerId) }
            listener?.closedByBroker(self)
        case .closeConsumer(let close):
            let listener = state.withLock { $0.consumers.removeValue(forKey: close.consumerId) }
            listener?.closedByBroker(self, consumerId: close.consumerId)
        case .message(let message):
            consumer(message.consumerId)?.messageReceived(message, entry: nil, checksumValid: true)
        default:
            logger.debug("\(address): \(command.type) ignored")
        }
    }

    // MARK: Closing

    /// Closes the stream; pending requests fail with `error`, producers and consumers hear about it. Idempotent.
    func close(_ error: PulsarClientError) {
        let closing = state.withLock { state -> (actions: [ConnectionStateMachine.Action],
                                                  handshake: CheckedContinuation<ConnectionStateMachine.Negotiated, any Error>?,
                                                  requests: [UInt64: CheckedContinuation<Command, any Error>],
                                                  producers: [any ProducerConnectionListener],
                                                  consumers: [any ConsumerConnectionListener],
                                                  handlers: [@Sendable (Connection) -> Void])? in
            guard state.closeError == nil else { return nil }
            state.closeError = error
            defer {
                state.handshake = nil
                state.requests = [:]
                state.producers = [:]
                state.consumers = [:]
                state.closeHandlers = []
            }
            return (state.machine.closed(error), state.handshake, state.requests, Array(state.producers.values),
                    Array(state.consumers.values), state.closeHandlers)
        }
        guard let closing else { return }
        outbox.stream.close()
        logger.debug("\(address): connection closed: \(error)")
        closing.handshake?.resume(throwing: error)
        for action in closing.actions {
            if case .failRequest(let id, let failure) = action { closing.requests[id]?.resume(throwing: failure) }
        }
        for listener in closing.producers { listener.connectionClosed(self, error: error) }
        for listener in closing.consumers { listener.connectionClosed(self, error: error) }
        for handler in closing.handlers { handler(self) }
    }
}
