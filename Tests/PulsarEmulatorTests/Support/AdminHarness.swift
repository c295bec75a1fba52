import PulsarNet
import PulsarAuth
import PulsarWire
@testable import PulsarEmulator

/// A ``BrokerState`` driven without any I/O: clients are fed frames, the admin router is fed requests, and the
/// frames the broker sends back are decoded per connection.
struct AdminHarness {
    var state: BrokerState
    var now: Int64 = 1_700_000_000_000
    let router = AdminRouter(brokerServiceURL: "pulsar://127.0.0.1:6650", webServiceURL: "http://127.0.0.1:8080")
    private var nextConnection: UInt64 = 1
    private var nextRequest: UInt64 = 1

    init(configuration: EmulatorConfiguration = EmulatorConfiguration()) {
        state = BrokerState(configuration: configuration, advertisedServiceURL: "pulsar://127.0.0.1:6650")
    }

    /// Opens a connection and completes the CONNECT handshake.
    mutating func connect(clientVersion: String = "test-client") -> ConnectionID {
        let id = ConnectionID(nextConnection)
        nextConnection += 1
        state.connectionOpened(id, remoteAddress: "127.0.0.1:\(40000 + id.rawValue)", now: now)
        _ = send(.connect(CommandConnect(clientVersion: clientVersion, protocolVersion: 21)), from: id)
        return id
    }

    /// Handles one frame and returns what the broker sent to each connection.
    @discardableResult
    mutating func send(_ command: Command, entry: MessageEntry? = nil, from id: ConnectionID) -> [ConnectionID: [Command]] {
        var outputs = BrokerOutputs()
        state.handle(Frame(command: command, entry: entry), from: id, now: now, into: &outputs)
        return Self.decode(outputs)
    }

    mutating func requestId() -> UInt64 {
        defer { nextRequest += 1 }
        return nextRequest
    }

    /// Subscribes consumer `consumerId` and grants it `permits`.
    @discardableResult
    mutating func subscribe(_ topic: String, _ subscription: String, consumerId: UInt64, on id: ConnectionID,
                            type: SubscriptionType = .exclusive, earliest: Bool = false, permits: UInt32 = 100) -> [Command] {
        let subscribe = CommandSubscribe(topic: topic, subscription: subscription, subType: type, consumerId: consumerId,
                                         requestId: requestId(), consumerName: "consumer-\(consumerId)",
                                         initialPosition: earliest ? .earliest : .latest)
        var received = send(.subscribe(subscribe), from: id)[id] ?? []
        received += send(.flow(CommandFlow(consumerId: consumerId, messagePermits: permits)), from: id)[id] ?? []
        return received
    }

    /// Creates producer `producerId` and publishes `payloads`, one entry each; returns everything the broker sent.
    @discardableResult
    mutating func publish(_ topic: String, _ payloads: [String], producerId: UInt64 = 1, on id: ConnectionID) -> [ConnectionID: [Command]] {
        var all: [ConnectionID: [Command]] = [:]
        let producer = CommandProducer(topic: topic, producerId: producerId, requestId: requestId(), producerName: "producer-\(producerId)")
        for (connection, commands) in send(.producer(producer), from: id) { all[connection, default: []] += commands }
        for (index, payload) in payloads.enumerated() {
            let metadata = MessageMetadata(producerName: "producer-\(producerId)", sequenceId: UInt64(index),
                                           publishTime: UInt64(now) + UInt64(index))
            let entry = MessageEntry(metadata: metadata, payload: Array(payload.utf8))
            let sent = send(.send(CommandSend(producerId: producerId, sequenceId: UInt64(index))), entry: entry, from: id)
            for (connection, commands) in sent { all[connection, default: []] += commands }
        }
        return all
    }

    /// Runs an admin request through the router; returns the response and the frames it made the broker send.
    mutating func admin(_ method: String, _ path: String, body: String = "",
                        headers: [String] = []) -> (HTTPResponse, [ConnectionID: [Command]]) {
        var parser = HTTPRequestParser()
        let extra = headers.map { $0 + "\r\n" }.joined()
        let text = "\(method) \(path) HTTP/1.1\r\nHost: test\r\n\(extra)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        parser.append(Array(text.utf8))
        let request = try! parser.next()!
        var outputs = BrokerOutputs()
        let response = router.respond(to: request, state: &state, now: now, outputs: &outputs)
        return (response, Self.decode(outputs))
    }

    /// The JSON body of a successful admin GET.
    mutating func json(_ path: String) throws -> JSONValue {
        let (response, _) = admin("GET", path)
        guard response.status == .ok else { throw HarnessError(message: "GET \(path) → \(response.status): \(text(response))") }
        return try JSONValue.parse(response.body)
    }

    func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    static func decode(_ outputs: BrokerOutputs) -> [ConnectionID: [Command]] {
        var result: [ConnectionID: [Command]] = [:]
        for connection in outputs.touched {
            var decoder = FrameDecoder()
            decoder.append(outputs.encoded(for: connection))
            while let frame = try? decoder.next() { result[connection, default: []].append(frame.command) }
        }
        return result
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension Command {
    /// The consumer id of a CLOSE_CONSUMER, else nil.
    var closedConsumerId: UInt64? {
        if case .closeConsumer(let close) = self { return close.consumerId }
        return nil
    }

    /// The payload-less message id of a MESSAGE, else nil.
    var messageEntryId: UInt64? {
        if case .message(let message) = self { return message.messageId.entryId }
        return nil
    }
}
