import PulsarWire
@testable import PulsarEmulator

/// Drives a `BrokerState` directly: events in, decoded frames out, no I/O and a clock the test moves.
struct BrokerHarness {
    var state: BrokerState
    var now: Int64 = 1_700_000_000_000
    private var nextConnection: UInt64 = 1
    /// Connections the broker asked to close, with the reason.
    var closed: [ConnectionID: BrokerOutputs.CloseReason] = [:]

    init(configure: (inout EmulatorConfiguration) -> Void = { _ in }) {
        var configuration = EmulatorConfiguration()
        configure(&configuration)
        state = BrokerState(configuration: configuration, advertisedServiceURL: "pulsar://127.0.0.1:6650")
    }

    /// Opens a connection and completes the handshake; returns its id.
    mutating func connect(protocolVersion: Int32 = 20) -> ConnectionID {
        let id = open()
        let frames = handle(.connect(CommandConnect(clientVersion: "test", protocolVersion: protocolVersion)), from: id)[id] ?? []
        precondition(frames.count == 1, "expected CONNECTED")
        return id
    }

    /// Opens a connection without a handshake.
    mutating func open() -> ConnectionID {
        let id = ConnectionID(nextConnection)
        nextConnection += 1
        state.connectionOpened(id, remoteAddress: "test:\(id.rawValue)", now: now)
        return id
    }

    /// Hands a frame to the broker and returns the frames it sends, per connection.
    @discardableResult
    mutating func handle(_ command: Command, entry: MessageEntry? = nil, from id: ConnectionID) -> [ConnectionID: [Frame]] {
        var outputs = BrokerOutputs()
        state.handle(Frame(command: command, entry: entry), from: id, now: now, into: &outputs)
        return collect(outputs)
    }

    /// Runs the broker's timers after moving the clock.
    mutating func advance(milliseconds: Int64) -> [ConnectionID: [Frame]] {
        now += milliseconds
        var outputs = BrokerOutputs()
        state.tick(now: now, into: &outputs)
        return collect(outputs)
    }

    /// Tells the broker a connection went away.
    mutating func drop(_ id: ConnectionID) -> [ConnectionID: [Frame]] {
        var outputs = BrokerOutputs()
        state.connectionClosed(id, now: now, into: &outputs)
        return collect(outputs)
    }

    mutating func collect(_ outputs: BrokerOutputs) -> [ConnectionID: [Frame]] {
        var outputs = outputs
        state.applyFaults(to: &outputs)   // as BrokerCore does before anything leaves
        var frames: [ConnectionID: [Frame]] = [:]
        for id in outputs.touched {
            if outputs.frames[id] != nil {
                var decoder = FrameDecoder()
                decoder.append(outputs.encoded(for: id))
                var decoded: [Frame] = []
                while let frame = try! decoder.next() { decoded.append(frame) }
                frames[id] = decoded
            }
            if let reason = outputs.closes[id] { closed[id] = reason }
        }
        return frames
    }

    // MARK: Conveniences

    /// Creates a producer and returns its name.
    @discardableResult
    mutating func makeProducer(_ topic: String, id producerId: UInt64 = 1, on connection: ConnectionID, name: String? = nil,
                               accessMode: ProducerAccessMode? = nil) -> Command? {
        handle(.producer(CommandProducer(topic: topic, producerId: producerId, requestId: producerId + 1000, producerName: name,
                                         producerAccessMode: accessMode)), from: connection)[connection]?.first?.command
    }

    /// Publishes one message (or a batch of `batchSize`) and returns the broker's answer.
    @discardableResult
    mutating func publish(_ payload: String, producer producerId: UInt64 = 1, sequenceId: UInt64, on connection: ConnectionID,
                          key: String? = nil, batchSize: Int32? = nil, deliverAt: Int64? = nil) -> [ConnectionID: [Frame]] {
        let metadata = MessageMetadata(producerName: "p", sequenceId: sequenceId, publishTime: UInt64(now), partitionKey: key,
                                       numMessagesInBatch: batchSize, deliverAtTime: deliverAt)
        let entry = MessageEntry(metadata: metadata, payload: Array(payload.utf8))
        return handle(.send(CommandSend(producerId: producerId, sequenceId: sequenceId, numMessages: batchSize)), entry: entry,
                      from: connection)
    }

    /// Subscribes and returns the broker's first answer to this connection.
    @discardableResult
    mutating func subscribe(_ topic: String, _ subscription: String, type: SubscriptionType = .exclusive, consumer consumerId: UInt64 = 1,
                            on connection: ConnectionID, initialPosition: InitialPosition? = nil, durable: Bool? = nil,
                            startMessageId: MessageIdData? = nil, name: String? = nil) -> Command? {
        handle(.subscribe(CommandSubscribe(topic: topic, subscription: subscription, subType: type, consumerId: consumerId,
                                           requestId: consumerId + 2000, consumerName: name, durable: durable,
                                           startMessageId: startMessageId, initialPosition: initialPosition)),
               from: connection)[connection]?.first?.command
    }

    /// Grants permits and returns the MESSAGE frames it releases to `connection`.
    mutating func flow(_ permits: UInt32, consumer consumerId: UInt64 = 1, on connection: ConnectionID) -> [Frame] {
        messages(handle(.flow(CommandFlow(consumerId: consumerId, messagePermits: permits)), from: connection)[connection] ?? [])
    }

    /// Acknowledges entries individually.
    @discardableResult
    mutating func ack(_ entryIds: [UInt64], consumer consumerId: UInt64 = 1, on connection: ConnectionID,
                      ledger: UInt64 = 1) -> [ConnectionID: [Frame]] {
        handle(.ack(CommandAck(consumerId: consumerId, ackType: .individual,
                               messageId: entryIds.map { MessageIdData(ledgerId: ledger, entryId: $0) })), from: connection)
    }

    /// The MESSAGE frames among `frames`.
    func messages(_ frames: [Frame]) -> [Frame] {
        frames.filter { if case .message = $0.command { true } else { false } }
    }
}

extension Frame {
    /// The payload of a MESSAGE frame's entry as a string.
    var payloadString: String? { entry.map { String(decoding: $0.payload, as: UTF8.self) } }
    /// The CommandMessage of a MESSAGE frame.
    var message: CommandMessage? { if case .message(let message) = command { message } else { nil } }
}

extension Command {
    /// The ServerError of an ERROR reply.
    var serverError: ServerError? { if case .error(let error) = self { error.error } else { nil } }
}
