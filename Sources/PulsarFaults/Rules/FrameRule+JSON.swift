import PulsarSupport
import PulsarWire

/// Frame rules and toxics as JSON, the form scenario files use:
///
/// ```json
/// {"name": "lose-receipts", "match": {"direction": "downstream", "commands": ["SEND_RECEIPT"], "topic": "orders"},
///  "action": "drop", "count": 3, "after": 10, "probability": 0.5, "activeFrom": 0, "activeUntil": 5000}
/// ```
/// `action` is `drop`, `observe` (forward and count), `duplicate`, `reorder`, `corrupt-checksum`, `close-producer`,
/// `close-consumer`, `{"delay": ms}` or `{"refuse": "ServiceNotReady", "message": "…"}`. A `preset` (`stop-answering-pings`,
/// `stall-handshake`) stands for `match` and `action`.
extension FrameRule {
    /// The rule `value` describes.
    ///
    /// - Throws: ``FaultProxyError/Code/invalidArgument`` naming the field at fault.
    package init(json value: JSONValue, path: String) throws(FaultProxyError) {
        let fields = try JSONFields(value, path: path)
        try fields.rejectUnknown(["name", "match", "action", "preset", "count", "after", "probability", "activeFrom", "activeUntil"])
        let count = try fields.int("count")
        if let preset = try fields.string("preset") {
            guard !fields.has("match"), !fields.has("action") else { throw fields.error("preset", "replaces match and action") }
            let name = try fields.string("name") ?? preset
            switch preset {
            case "stop-answering-pings": self = .stopAnsweringPings(name: name)
            case "stall-handshake": self = .stallHandshake(name: name)
            default: throw fields.error("preset", "must be stop-answering-pings or stall-handshake, not \"\(preset)\"")
            }
            self.count = count
        } else {
            let match = try fields.fields("match").map { (m: JSONFields) throws(FaultProxyError) in try FrameMatch(m) } ?? FrameMatch()
            guard let actionValue = fields.object["action"] else { throw fields.error("action", "is required") }
            self.init(try fields.requiredString("name"), match: match, action: try FrameAction(actionValue, path: fields.path("action")),
                      count: count)
        }
        after = try fields.int("after") ?? 0
        probability = try fields.double("probability") ?? 1
        activeFrom = try fields.int("activeFrom") ?? 0
        activeUntil = try fields.int("activeUntil")
        if let problem { throw FaultProxyError(.invalidArgument, "\(path): \(problem)") }
    }
}

extension FrameMatch {
    init(_ fields: JSONFields) throws(FaultProxyError) {
        try fields.rejectUnknown(["direction", "commands", "topic", "producerId", "consumerId", "requestId"])
        var direction: ToxicStream?
        if let name = try fields.string("direction") {
            guard let stream = ToxicStream(rawValue: name) else { throw fields.error("direction", "must be upstream or downstream") }
            direction = stream
        }
        let commands = try fields.strings("commands") ?? []
        for command in commands where !Self.knownCommands.contains(command.uppercased()) {
            throw fields.error("commands", "names an unknown command \"\(command)\" (SEND, SEND_RECEIPT, MESSAGE, ACK, PING …)")
        }
        self.init(direction: direction, commands: Set(commands), topic: try fields.string("topic"),
                  producerId: try fields.int("producerId").map(UInt64.init), consumerId: try fields.int("consumerId").map(UInt64.init),
                  requestId: try fields.int("requestId").map(UInt64.init))
    }

    /// The protocol's command names.
    static let knownCommands: Set<String> = Set((Int32(2)..<80).compactMap { CommandType(rawValue: $0).name })
}

extension FrameAction {
    init(_ value: JSONValue, path: String) throws(FaultProxyError) {
        if let name = value.stringValue {
            switch name {
            case "drop": self = .drop
            case "observe": self = .observe
            case "duplicate": self = .duplicate
            case "reorder": self = .reorderWithNext
            case "corrupt-checksum": self = .corruptChecksum
            case "close-producer": self = .closeProducer
            case "close-consumer": self = .closeConsumer
            default:
                throw FaultProxyError(.invalidArgument, "\(path) must be drop, observe, duplicate, reorder, corrupt-checksum, close-producer, "
                                      + "close-consumer, {\"delay\": ms} or {\"refuse\": error}, not \"\(name)\"")
            }
            return
        }
        let fields = try JSONFields(value, path: path)
        try fields.rejectUnknown(["delay", "refuse", "message"])
        if let delay = try fields.int("delay") {
            self = .delay(milliseconds: delay)
        } else if let name = try fields.string("refuse") {
            guard let error = ServerError(named: name) else { throw fields.error("refuse", "is not a ServerError name (ServiceNotReady …)") }
            self = .refuse(error, message: try fields.string("message") ?? FrameAction.refusalMessage)
        } else {
            throw FaultProxyError(.invalidArgument, "\(path) needs \"delay\" or \"refuse\"")
        }
    }
}

extension Toxic {
    /// A toxic from Toxiproxy's JSON (`{"type": "latency", "stream": "downstream", "toxicity": 1, "attributes": {…}}`),
    /// with Toxiproxy's defaults for what is left out.
    ///
    /// - Throws: ``FaultProxyError/Code/invalidArgument`` naming the field at fault.
    package init(json value: JSONValue, path: String) throws(FaultProxyError) {
        do {
            self = try ToxiproxyJSON.toxic(from: value)
        } catch {
            throw FaultProxyError(.invalidArgument, "\(path): \(error.message)")
        }
        if let problem { throw FaultProxyError(.invalidArgument, "\(path): \(problem)") }
    }
}
