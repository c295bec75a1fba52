import PulsarWire

/// One broker connection as a plain value: the CONNECT handshake, the table of requests waiting for an answer (each
/// with its deadline), keep-alive, and which frames go where. Events in, actions out; time is passed in.
///
/// ```
///  idle ──handshakeStarted──▶ handshaking ──CONNECTED──▶ ready ──closed(error)──▶ closed
///                                 │ ERROR / deadline                                ▲
///                                 └─────────────────── close(error) ────────────────┘
/// ```
/// Keep-alive follows the Go client: PING every interval, and the connection is dropped when nothing at all arrived
/// for twice the interval.
struct ConnectionStateMachine {
    /// Timing settings.
    struct Configuration: Equatable {
        var keepAliveInterval: Duration
        var connectionTimeout: Duration
        var operationTimeout: Duration
    }

    /// What the handshake settled.
    struct Negotiated: Equatable, Sendable {
        var serverVersion: String
        var protocolVersion: Int32
        var maxMessageSize: Int
        /// The broker answers PARTITIONED_METADATA without creating the topic when asked not to.
        var supportsPartitionedMetadataWithoutAutoCreation: Bool
    }

    /// The connection's phase.
    enum State: Equatable {
        case idle
        case handshaking(deadline: PulsarInstant)
        case ready(Negotiated)
        case closed(PulsarClientError)
    }

    /// What the driver must do.
    enum Action: Equatable {
        /// Write this command.
        case send(Command)
        /// CONNECTED arrived: the connection can be used.
        case handshakeCompleted(Negotiated)
        /// The answer to request `id`.
        case completeRequest(UInt64, Command)
        /// Request `id` failed (ERROR answer, timeout, connection closed).
        case failRequest(UInt64, PulsarClientError)
        /// The broker asked for fresh credentials (AUTH_CHALLENGE): answer with AUTH_RESPONSE.
        case answerAuthChallenge
        /// Hand this command to the producer or consumer it names.
        case route(Command)
        /// Close the stream with this error, then report ``ConnectionStateMachine/closed(_:)``.
        case close(PulsarClientError)
        /// A command a client never expects (logged and ignored).
        case ignore(CommandType)
    }

    private struct PendingRequest {
        var deadline: PulsarInstant?
        var name: String
    }

    let configuration: Configuration
    private(set) var state: State = .idle
    private var requests: [UInt64: PendingRequest] = [:]
    private var nextRequestId: UInt64 = 0
    private var nextPingAt: PulsarInstant
    /// When the PING still waiting for any answer went out (any frame from the broker answers it).
    private var pingSentAt: PulsarInstant?

    /// A connection created at `now`.
    init(configuration: Configuration, now: PulsarInstant) {
        self.configuration = configuration
        nextPingAt = now + configuration.keepAliveInterval
    }

    /// Requests waiting for an answer.
    var pendingRequestCount: Int { requests.count }

    /// The stream is open: send CONNECT.
    mutating func handshakeStarted(_ connect: CommandConnect, now: PulsarInstant) -> [Action] {
        guard case .idle = state else { return [] }
        state = .handshaking(deadline: now + configuration.connectionTimeout)
        return [.send(.connect(connect))]
    }

    /// Bytes arrived (liveness for keep-alive).
    mutating func activity(now: PulsarInstant) {
        pingSentAt = nil
    }

    /// A frame's command arrived.
    mutating func commandReceived(_ command: Command, now: PulsarInstant) -> [Action] {
        pingSentAt = nil
        switch state {
        case .idle, .closed:
            return []
        case .handshaking:
            return handshakeCommand(command)
        case .ready:
            return readyCommand(command)
        }
    }

    private mutating func handshakeCommand(_ command: Command) -> [Action] {
        switch command {
        case .connected(let connected):
            let negotiated = Negotiated(
                serverVersion: connected.serverVersion, protocolVersion: connected.protocolVersion,
                maxMessageSize: connected.hasMaxMessageSize && connected.maxMessageSize > 0
                    ? Int(connected.maxMessageSize) : FrameDecoder.defaultMaxMessageSize,
                supportsPartitionedMetadataWithoutAutoCreation:
                    connected.featureFlags?.supportsGetPartitionedMetadataWithoutAutoCreation ?? false)
            state = .ready(negotiated)
            return [.handshakeCompleted(negotiated)]
        case .error(let error):
            return [.close(.server(error.error, "the broker refused the connection: \(error.message)"))]
        case .ping:
            return [.send(.pong(CommandPong()))]
        case .authChallenge:
            return [.answerAuthChallenge]
        default:
            return [.close(PulsarClientError(.protocolError, "expected CONNECTED, got \(command.type)"))]
        }
    }

    private mutating func readyCommand(_ command: Command) -> [Action] {
        switch command {
        case .ping:
            return [.send(.pong(CommandPong()))]
        case .pong, .connected:
            return []
        case .authChallenge:
            return [.answerAuthChallenge]
        case .error(let error) where error.requestId == UInt64.max:
            return [.close(.server(error.error, "the broker closed the connection: \(error.message)"))]
        case .error(let error):
            guard requests.removeValue(forKey: error.requestId) != nil else { return [] }
            return [.failRequest(error.requestId, .server(error.error, error.message))]
        case .producerSuccess(let success) where success.hasProducerReady && !success.producerReady:
            // Queued for exclusive access: a second PRODUCER_SUCCESS follows whenever the broker grants it.
            requests[success.requestId]?.deadline = nil
            return []
        case .success, .producerSuccess, .partitionedMetadataResponse, .lookupResponse, .getLastMessageIdResponse,
             .getTopicsOfNamespaceResponse, .getSchemaResponse, .getOrCreateSchemaResponse, .consumerStatsResponse,
             .ackResponse:
            guard let id = command.requestId, requests.removeValue(forKey: id) != nil else { return [] }
            return [.completeRequest(id, command)]
        case .sendReceipt, .sendError, .message, .closeProducer, .closeConsumer, .activeConsumerChange,
             .reachedEndOfTopic, .topicMigrated:
            return [.route(command)]
        default:
            return [.ignore(command.type)]
        }
    }

    /// Allocates the id of a new request that fails after `timeout` (the operation timeout when nil).
    mutating func requestStarted(_ name: String, timeout: Duration? = nil,
                                 now: PulsarInstant) -> Result<UInt64, PulsarClientError> {
        switch state {
        case .ready:
            let id = nextRequestId
            nextRequestId += 1
            requests[id] = PendingRequest(deadline: now + (timeout ?? configuration.operationTimeout), name: name)
            return .success(id)
        case .closed(let error):
            return .failure(error)
        case .idle, .handshaking:
            return .failure(PulsarClientError(.connectionClosed, "the connection is not ready for \(name)"))
        }
    }

    /// The caller stopped waiting for request `id`; a late answer is ignored.
    mutating func requestAbandoned(_ id: UInt64) {
        requests[id] = nil
    }

    /// Time passed: handshake deadline, request deadlines, keep-alive.
    mutating func tick(now: PulsarInstant) -> [Action] {
        switch state {
        case .idle, .closed:
            return []
        case .handshaking(let deadline):
            guard now >= deadline else { return [] }
            return [.close(PulsarClientError(.timeout, "no CONNECTED within \(configuration.connectionTimeout)"))]
        case .ready:
            var actions: [Action] = []
            let expired = requests.filter { $0.value.deadline.map { $0 <= now } ?? false }.keys.sorted()
            for id in expired {
                let name = requests.removeValue(forKey: id)!.name
                actions.append(.failRequest(id, PulsarClientError(
                    .timeout, "\(name) got no answer within \(configuration.operationTimeout)")))
            }
            // Like the Java client: a broker is dropped only when a PING went unanswered for a whole interval, never
            // because this process itself stalled (a busy machine may skip ticks for longer than an interval).
            if let sent = pingSentAt, now - sent >= configuration.keepAliveInterval {
                actions.append(.close(PulsarClientError(
                    .timeout, "no answer to PING from the broker within \(configuration.keepAliveInterval)")))
            } else if pingSentAt == nil, now >= nextPingAt {
                nextPingAt = now + configuration.keepAliveInterval
                pingSentAt = now
                actions.append(.send(.ping(CommandPing())))
            }
            return actions
        }
    }

    /// The next instant ``tick(now:)`` has something to do: the handshake deadline, the earliest request deadline, the
    /// keep-alive PING, or the end of the wait for its answer. Nil before the handshake and once closed.
    var nextDeadline: PulsarInstant? {
        switch state {
        case .idle, .closed:
            return nil
        case .handshaking(let deadline):
            return deadline
        case .ready:
            var next = pingSentAt.map { $0 + configuration.keepAliveInterval } ?? nextPingAt
            for request in requests.values {
                if let deadline = request.deadline, deadline < next { next = deadline }
            }
            return next
        }
    }

    /// The stream is closed (by us or the peer): every waiting request fails with `error`.
    mutating func closed(_ error: PulsarClientError) -> [Action] {
        if case .closed = state { return [] }
        state = .closed(error)
        let ids = requests.keys.sorted()
        requests.removeAll()
        return ids.map { .failRequest($0, error) }
    }
}
