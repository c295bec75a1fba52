import PulsarClient
import PulsarNet
import PulsarWire
import Synchronization

/// A scripted broker on the far end of in-memory streams, for tests that need a broker to misbehave: each frame the
/// client sends goes to `script`, whose replies (or, when it returns nil, the standard ones) are written back.
final class FakeBroker: Sendable {
    /// What the broker does in answer to a frame.
    enum Reply: Sendable {
        case command(Command)
        case message(CommandMessage, MessageEntry)
        case raw([UInt8])
        case close
    }

    /// Decides the replies to `frame` on connection number `connection` (nil: the standard replies).
    typealias Script = @Sendable (_ connection: Int, _ frame: Frame, _ broker: FakeBroker) -> [Reply]?

    let url: String
    private let script: Script
    private let state = Mutex<(connections: [InMemoryStream], received: [(Int, Frame)], entries: UInt64)>(([], [], 0))

    init(url: String = "pulsar://fake:6650", script: @escaping Script = { _, _, _ in nil }) {
        self.url = url
        self.script = script
    }

    /// A connector that opens a new connection to this broker, whatever the address.
    var connector: Connector { Connector { _, _ in self.accept() } }

    /// Every frame received so far, with its connection number.
    var received: [(connection: Int, frame: Frame)] { state.withLock { $0.received.map { ($0.0, $0.1) } } }

    /// The commands received, in order.
    var commands: [Command] { received.map(\.frame.command) }

    /// How many connections the client opened.
    var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Closes every open connection.
    func disconnectAll() {
        for stream in state.withLock({ $0.connections }) { stream.close() }
    }

    /// Writes to the newest connection (broker-initiated commands).
    func push(_ replies: [Reply]) {
        guard let stream = state.withLock({ $0.connections.last }) else { return }
        write(replies, to: stream)
    }

    func accept() -> any ByteStream {
        let (client, server) = InMemoryDuplex.makePair()
        let index = state.withLock { state in
            state.connections.append(server)
            return state.connections.count - 1
        }
        Task { await serve(server, index: index) }
        return client
    }

    private func serve(_ stream: InMemoryStream, index: Int) async {
        var decoder = FrameDecoder()
        while let chunk = try? await stream.read(maxLength: 65536) {
            decoder.append(chunk)
            while let frame = try? decoder.next() {
                state.withLock { $0.received.append((index, frame)) }
                let replies = script(index, frame, self) ?? standardReplies(to: frame)
                write(replies, to: stream)
            }
        }
    }

    private func write(_ replies: [Reply], to stream: InMemoryStream) {
        for reply in replies {
            switch reply {
            case .command(let command): stream.enqueue(FrameEncoder.encode(command))
            case .message(let message, let entry): stream.enqueue(FrameEncoder.encode(.message(message), entry: entry))
            case .raw(let bytes): stream.enqueue(bytes)
            case .close: stream.closeAfterFlush()
            }
        }
    }

    /// What a well-behaved broker answers.
    func standardReplies(to frame: Frame) -> [Reply] {
        switch frame.command {
        case .connect:
            return [.command(.connected(CommandConnected(serverVersion: "fake", protocolVersion: 20)))]
        case .ping:
            return [.command(.pong(CommandPong()))]
        case .partitionedMetadata(let request):
            return [.command(.partitionedMetadataResponse(CommandPartitionedTopicMetadataResponse(
                partitions: 0, requestId: request.requestId, response: .success)))]
        case .lookup(let request):
            return [.command(.lookupResponse(CommandLookupTopicResponse(
                brokerServiceUrl: url, response: .connect, requestId: request.requestId, authoritative: true)))]
        case .producer(let request):
            return [.command(.producerSuccess(CommandProducerSuccess(
                requestId: request.requestId, producerName: request.hasProducerName ? request.producerName : "fake-producer")))]
        case .send(let send):
            let entry = state.withLock { state -> UInt64 in
                defer { state.entries += 1 }
                return state.entries
            }
            return [.command(.sendReceipt(CommandSendReceipt(producerId: send.producerId, sequenceId: send.sequenceId,
                                                             messageId: MessageIdData(ledgerId: 1, entryId: entry))))]
        case .subscribe(let request):
            return [.command(.success(CommandSuccess(requestId: request.requestId)))]
        case .closeProducer(let request):
            return [.command(.success(CommandSuccess(requestId: request.requestId)))]
        case .closeConsumer(let request):
            return [.command(.success(CommandSuccess(requestId: request.requestId)))]
        default:
            return []
        }
    }

    /// A stored entry (with a valid checksum) holding one message.
    static func entry(_ payload: String, sequenceId: UInt64 = 0) -> MessageEntry {
        MessageEntry(metadata: MessageMetadata(producerName: "fake", sequenceId: sequenceId, publishTime: 1_700_000_000_000),
                     payload: Array(payload.utf8))
    }
}

extension TestBroker {
    /// A client of a fake broker.
    static func client(of broker: FakeBroker, _ configure: (inout ClientConfiguration) -> Void = { _ in }) throws -> PulsarClient {
        var configuration = ClientConfiguration(serviceURL: broker.url)
        configuration.connector = broker.connector
        configuration.operationTimeout = .seconds(5)
        configuration.logger = .silent
        configuration.initialReconnectBackoff = .milliseconds(10)
        configure(&configuration)
        return try PulsarClient(configuration: configuration)
    }
}
