import PulsarSupport
import PulsarWire

/// The whole in-memory broker as a plain value: events in (frames, connections opening and closing, time passing),
/// outputs out (frames to send, connections to close). No I/O, no locks, no clock of its own: the driver owns those.
///
/// ```
///  ConnectionDriver ──frame──▶ BrokerCore (Mutex) ──▶ BrokerState.handle(frame, from:, now:, into:) ──▶ BrokerOutputs
///                                                                                      │ (encoded under the lock)
///  ByteStream ◀── flush outside the lock ◀── Outbox per connection ◀──────────────────┘
/// ```
struct BrokerState {
    /// The highest protocol version the emulator speaks.
    static let protocolVersion: Int32 = 21
    /// Request id the broker uses for connection-level errors (2^64 - 1).
    static let connectionLevelRequestId = UInt64.max

    let configuration: EmulatorConfiguration
    /// `pulsar://host:port` answered in LOOKUP.
    var advertisedServiceURL: String
    var connections: [ConnectionID: ConnectionState] = [:]
    var topics: [TopicName: Topic] = [:]
    /// Partitioned topics and their partition counts.
    var partitionedTopics: [TopicName: Int] = [:]
    /// Subscriptions that partitions added by growing a partitioned topic start with, created with the partition.
    var partitionSeeds: [TopicName: [PartitionSeed]] = [:]
    var producers: [ProducerKey: ProducerState] = [:]
    var consumers: [ConsumerKey: ConsumerState] = [:]
    /// Namespace deduplication policies (`tenant/ns` → enabled), overriding the broker-wide setting.
    var deduplicationByNamespace: [String: Bool] = [:]
    /// Schema registries by (partitioned) topic.
    var schemas: [TopicName: SchemaRegistry] = [:]
    /// Tenants and namespaces known to the admin REST API.
    var adminCatalog = AdminCatalog()
    /// Token authentication, authorization and the authenticated sessions (see BrokerState+Auth).
    var auth: BrokerAuthState
    /// Keep-alive, token expiry and delayed-delivery deadlines (see BrokerState+Timers).
    var timers = DeadlineQueue<BrokerTimer>()
    /// Injected failures and receipt faults (see BrokerState+Faults); idle unless a test arms them.
    var faults = FaultPlan()
    /// Requests for the driver that holds the state (pause, resume), taken after each admin request.
    var controlRequests: [CoreControlRequest] = []
    /// Mirrors the driver's pause, for reports: whether it is on and how many reads wait for its end.
    var isPaused = false
    var pausedReads = 0
    /// Ledger ids, unique across topics.
    let ledgerIds = LedgerIDAllocator()
    private var nameCounter = 0

    init(configuration: EmulatorConfiguration, advertisedServiceURL: String) {
        self.configuration = configuration
        self.advertisedServiceURL = advertisedServiceURL
        auth = BrokerAuthState(configuration.authentication)
        // The operator's own partitioned topics are created as given; the limit bounds what clients ask for.
        for (name, partitions) in configuration.partitionedTopics where partitions > 0 {
            if let topic = try? TopicName(name) { partitionedTopics[topic] = partitions }
        }
    }

    // MARK: Connections

    /// A connection was accepted.
    mutating func connectionOpened(_ id: ConnectionID, remoteAddress: String, now: Int64) {
        connections[id] = ConnectionState(id: id, remoteAddress: remoteAddress, connectedSince: now,
                                          nextKeepAliveCheck: now + keepAliveMilliseconds)
        timers.schedule(.keepAlive(id), at: now + keepAliveMilliseconds)
    }

    /// A connection is gone (peer closed, error, or the broker closed it): release its producers and consumers.
    mutating func connectionClosed(_ id: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        auth.sessions[id] = nil
        for producerId in connection.producers {
            removeProducer(ProducerKey(connection: id, producerId: producerId), into: &outputs)
        }
        for consumerId in connection.consumers.sorted() {
            removeConsumer(ConsumerKey(connection: id, consumerId: consumerId), now: now, into: &outputs)
        }
    }

    var keepAliveMilliseconds: Int64 {
        max(1, configuration.keepAliveInterval.wholeMilliseconds)
    }

    // MARK: Frames

    /// Handles one frame from `connection`.
    mutating func handle(_ frame: Frame, from id: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
        guard var connection = connections[id], connection.phase != .closing else { return }
        connection.awaitingPong = false
        // Traffic is a sign of life only after the handshake: a client that never sends CONNECT (PINGs alone, say) is
        // closed at its first keep-alive check, as the broker closes an unfinished handshake.
        if connection.phase == .connected { connection.nextKeepAliveCheck = now + keepAliveMilliseconds }
        connections[id] = connection
        if connection.phase == .awaitingConnect {
            if case .ping = frame.command {
                outputs.send(.pong(CommandPong()), to: id)
                return
            }
            guard case .connect(let connect) = frame.command else {
                refuseConnection(id, "expected CONNECT, got \(frame.command.type)", into: &outputs)
                return
            }
            if faults.hasFailures, answerWithInjectedFailure(frame, from: id, into: &outputs) { return }
            handleConnect(connect, from: id, now: now, into: &outputs)
            return
        }
        if faults.hasFailures, answerWithInjectedFailure(frame, from: id, into: &outputs) { return }
        switch frame.command {
        case .ping: outputs.send(.pong(CommandPong()), to: id)
        case .pong: break
        case .partitionedMetadata(let request): handlePartitionedMetadata(request, from: id, into: &outputs)
        case .lookup(let request): handleLookup(request, from: id, into: &outputs)
        case .producer(let request): handleProducer(request, from: id, now: now, into: &outputs)
        case .send(let send): handleSend(send, entry: frame.entry, from: id, now: now, into: &outputs)
        case .closeProducer(let request): handleCloseProducer(request, from: id, into: &outputs)
        case .subscribe(let request): handleSubscribe(request, from: id, now: now, into: &outputs)
        case .flow(let flow): handleFlow(flow, from: id, now: now, into: &outputs)
        case .ack(let ack): handleAck(ack, from: id, now: now, into: &outputs)
        case .redeliverUnacknowledgedMessages(let request): handleRedeliver(request, from: id, now: now, into: &outputs)
        case .closeConsumer(let request): handleCloseConsumer(request, from: id, now: now, into: &outputs)
        case .unsubscribe(let request): handleUnsubscribe(request, from: id, now: now, into: &outputs)
        case .getLastMessageId(let request): handleGetLastMessageId(request, from: id, into: &outputs)
        case .consumerStats(let request): handleConsumerStats(request, from: id, into: &outputs)
        case .seek(let request): handleSeek(request, from: id, now: now, into: &outputs)
        case .getTopicsOfNamespace(let request): handleGetTopicsOfNamespace(request, from: id, into: &outputs)
        case .getSchema(let request): handleGetSchema(request, from: id, into: &outputs)
        case .getOrCreateSchema(let request): handleGetOrCreateSchema(request, from: id, into: &outputs)
        case .authResponse(let response): handleAuthResponse(response, from: id, now: now, into: &outputs)
        case .connect:
            refuseConnection(id, "CONNECT received twice", into: &outputs)
        default:
            handleUnsupported(frame.command, from: id, into: &outputs)
        }
    }

    /// A checksum mismatch on SEND: the broker answers SEND_ERROR(ChecksumError) and stores nothing.
    mutating func handleChecksumMismatch(_ frame: Frame, from id: ConnectionID, into outputs: inout BrokerOutputs) {
        guard case .send(let send) = frame.command else {
            refuseConnection(id, "bad checksum on a \(frame.command.type) frame", into: &outputs)
            return
        }
        // Like Producer.checkAndStartPublish: the highest sequence id of a SEND that names one.
        let sequenceId = send.hasHighestSequenceId ? send.highestSequenceId : send.sequenceId
        outputs.send(.sendError(CommandSendError(producerId: send.producerId, sequenceId: sequenceId,
                                                 error: .checksumError, message: "Checksum failed on the broker")), to: id)
    }

    /// Malformed input: the connection is closed, nothing stored is touched.
    mutating func handleMalformedInput(_ error: WireError, from id: ConnectionID, into outputs: inout BrokerOutputs) {
        refuseConnection(id, "malformed frame: \(error.message)", into: &outputs)
    }

    private mutating func handleConnect(_ connect: CommandConnect, from id: ConnectionID, now: Int64,
                                        into outputs: inout BrokerOutputs) {
        guard authenticateConnect(connect, from: id, now: now, into: &outputs) else { return }
        var connection = connections[id]!
        // A negative version is nonsense: answer with version 0 rather than echo it.
        connection.protocolVersion = max(0, min(connect.protocolVersion, Self.protocolVersion))
        connection.clientVersion = connect.clientVersion
        connection.featureFlags = connect.featureFlags ?? FeatureFlags()
        connection.phase = .connected
        connection.nextKeepAliveCheck = now + keepAliveMilliseconds
        connections[id] = connection
        var connected = CommandConnected(serverVersion: configuration.serverVersion, protocolVersion: connection.protocolVersion,
                                         maxMessageSize: Int32(clamping: configuration.maxMessageSize))
        // The broker's own flags (Commands.newConnectedCommand), whatever the client sent: topic-list watchers are not
        // implemented (pattern consumers poll GET_TOPICS_OF_NAMESPACE), and PARTITIONED_METADATA honours
        // metadata_auto_creation_enabled.
        connected.featureFlags = FeatureFlags(supportsTopicWatchers: false, supportsGetPartitionedMetadataWithoutAutoCreation: true)
        outputs.send(.connected(connected), to: id)
    }

    /// Closes a connection for a protocol violation.
    mutating func refuseConnection(_ id: ConnectionID, _ message: String, into outputs: inout BrokerOutputs) {
        connections[id]?.phase = .closing
        outputs.close(id, .protocolError(message))
    }

    private mutating func handleUnsupported(_ command: Command, from id: ConnectionID, into outputs: inout BrokerOutputs) {
        if let requestId = command.requestId {
            outputs.send(.error(CommandError(requestId: requestId, error: .notAllowedError,
                                             message: "\(command.type) is not supported by the PulsarKit emulator")), to: id)
        } else {
            refuseConnection(id, "unsupported command \(command.type)", into: &outputs)
        }
    }

    /// Sends ERROR(requestId) to `connection`.
    func replyError(_ requestId: UInt64, _ error: ServerError, _ message: String, to id: ConnectionID,
                    into outputs: inout BrokerOutputs) {
        outputs.send(.error(CommandError(requestId: requestId, error: error, message: message)), to: id)
    }

    /// A unique generated name such as `standalone-0-3`.
    mutating func makeName(prefix: String = "standalone-0") -> String {
        nameCounter += 1
        return "\(prefix)-\(nameCounter)"
    }
}
