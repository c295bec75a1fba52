import PulsarNet
import PulsarWire

/// Broker faults out of process (what ``PulsarEmulator``'s fault methods do in process), for tests in any language:
/// ```
///  GET    /pulsarkit/faults                    what fired and what is armed (the BrokerFaultReport)
///  DELETE /pulsarkit/faults                    disarm everything, release held receipts, end a pause
///  POST   /pulsarkit/faults/fail-next          {"operation": "send", "error": "ServiceNotReady", "count": 1,
///                                               "topic": "persistent://public/default/t", "message": "…"}
///  POST   /pulsarkit/faults/receipts           {"action": "hold" | "drop" | "reverse", "count": N, "topic": "…"}
///  POST   /pulsarkit/faults/receipts/release   send the held receipts
///  POST   /pulsarkit/restart                   drop every connection, keep all state
///  POST   /pulsarkit/pause[?ms=N]              stop serving (until /pulsarkit/resume, or for N ms)
///  POST   /pulsarkit/resume                    serve what arrived meanwhile, in order
///  POST   /pulsarkit/clock/jump?ms=N           jump the wall clock (N < 0 goes back) and run what came due
/// ```
/// Unloading a topic is Pulsar's own `PUT /admin/v2/persistent/{tenant}/{namespace}/{topic}/unload`.
extension AdminRouter {
    func faultControl(_ method: String, _ path: ArraySlice<String>, body: JSONValue?, state: inout BrokerState,
                      outputs: inout BrokerOutputs) throws(AdminError) -> HTTPResponse {
        switch (method, Array(path)) {
        case ("GET", []):
            return .json(Self.json(state.faultReport))
        case ("DELETE", []):
            state.faults.clear(into: &outputs)
            state.controlRequests.append(.resume)
            return .noContent
        case ("POST", ["fail-next"]):
            let body = try Self.requireObject(body)
            guard let name = body["operation"]?.stringValue, let operation = BrokerOperation(rawValue: name) else {
                throw AdminError(.badRequest, "\"operation\" must be one of "
                                 + BrokerOperation.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let error = try Self.serverError(body["error"]?.stringValue ?? "ServiceNotReady")
            let count = try Self.count(body["count"], default: 1, minimum: 1)
            let message = body["message"]?.stringValue ?? "Injected \(error) (PulsarKit fault)"
            state.faults.failNext(FaultPlan.Failure(operation: operation, error: error, message: message,
                                                    remaining: count, topic: try Self.topic(body["topic"])))
            return .noContent
        case ("POST", ["receipts"]):
            let body = try Self.requireObject(body)
            guard let name = body["action"]?.stringValue, let fault = ReceiptFault(rawValue: name) else {
                throw AdminError(.badRequest, "\"action\" must be one of "
                                 + ReceiptFault.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let count = try Self.count(body["count"], default: 1, minimum: 0)
            state.faults.faultReceipts(fault, count: count, topic: try Self.topic(body["topic"]))
            return .noContent
        case ("POST", ["receipts", "release"]):
            state.faults.releaseHeld(into: &outputs)
            return .noContent
        default:
            throw AdminError(.notFound, "No such fault endpoint")
        }
    }

    /// `/pulsarkit/restart`, `/pulsarkit/pause`, `/pulsarkit/resume` and `/pulsarkit/clock/jump`; nil for other paths.
    func lifecycleControl(_ method: String, _ path: [String], query: [String: String], state: inout BrokerState, now: Int64,
                          outputs: inout BrokerOutputs) throws(AdminError) -> HTTPResponse? {
        switch (method, path) {
        case ("POST", ["restart"]):
            for id in state.connections.keys.sorted() { outputs.close(id, .requested("broker restart (PulsarKit fault)")) }
            return .noContent
        case ("POST", ["pause"]):
            let until = try query["ms"].map { text throws(AdminError) in
                guard let milliseconds = Int64(text), milliseconds >= 0 else {
                    throw AdminError(.badRequest, "Give the pause in milliseconds as ?ms=N (N ≥ 0), or no ms to pause until resumed")
                }
                return now + milliseconds
            }
            state.controlRequests.append(.pause(until: until))
            return .noContent
        case ("POST", ["resume"]):
            state.controlRequests.append(.resume)
            return .noContent
        case ("POST", ["clock", "jump"]):
            guard let text = query["ms"], let milliseconds = Int64(text) else {
                throw AdminError(.badRequest, "Give the jump in milliseconds as ?ms=N (negative goes back)")
            }
            let clock = state.configuration.clock
            guard PulsarEmulator.jumpWallClock(clock, by: milliseconds) else {
                throw AdminError(.conflict, "The emulator's clock cannot jump")
            }
            state.tick(now: clock.now(), into: &outputs)
            return .json(["now": .integer(clock.now())])
        default:
            return nil
        }
    }

    static func json(_ report: BrokerFaultReport) -> JSONValue {
        var failed = JSONObject()
        for operation in BrokerOperation.allCases {
            if let count = report.failedRequests[operation] { failed[operation.rawValue] = .integer(Int64(count)) }
        }
        return [
            "failedRequests": .object(failed), "armedFailures": .integer(Int64(report.armedFailures)),
            "heldReceipts": .integer(Int64(report.heldReceipts)), "droppedReceipts": .integer(Int64(report.droppedReceipts)),
            "releasedReceipts": .integer(Int64(report.releasedReceipts)),
            "reorderedReceipts": .integer(Int64(report.reorderedReceipts)),
            "armedReceipts": .integer(Int64(report.armedReceipts)), "paused": .bool(report.isPaused),
            "pausedReads": .integer(Int64(report.pausedReads)),
        ]
    }

    /// `ServiceNotReady` (the wire enum's name) or its number.
    static func serverError(_ text: String) throws(AdminError) -> ServerError {
        if let error = ServerError(named: text) { return error }
        throw AdminError(.badRequest, "\"\(text)\" is not a ServerError name (ServiceNotReady, TopicNotFound, …)")
    }

    private static func requireObject(_ body: JSONValue?) throws(AdminError) -> JSONObject {
        guard let object = body?.objectValue else { throw AdminError(.badRequest, "The body must be a JSON object") }
        return object
    }

    private static func count(_ value: JSONValue?, default fallback: Int, minimum: Int) throws(AdminError) -> Int {
        guard let value else { return fallback }
        guard let count = value.integerValue, count >= minimum, count <= Int32.max else {
            throw AdminError(.badRequest, "\"count\" must be an integer of at least \(minimum)")
        }
        return Int(count)
    }

    private static func topic(_ value: JSONValue?) throws(AdminError) -> TopicName? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue, let topic = try? TopicName(text) else {
            throw AdminError(.badRequest, "\"topic\" must be a topic name")
        }
        return topic
    }
}
