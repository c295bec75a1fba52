import Foundation
import PulsarSupport
import PulsarWire

/// Scenario files. The format (docs/faults.md has it whole):
///
/// ```json
/// {"name": "send-error", "summary": "…", "seed": 7,
///  "workload": {"messages": 40, "batchSize": 4, "keys": 2, "sendGapMs": 10},
///  "steps": [
///    {"afterSends": 8, "broker": "fail-next", "operation": "send", "error": "ServiceNotReady", "count": 2},
///    {"afterSends": 16, "proxy": "toxic", "toxic": {"type": "latency", "attributes": {"latency": 50}}},
///    {"atMs": 400, "proxy": "remove-toxic", "name": "latency_downstream"}]}
/// ```
extension FaultScenario {
    /// Reads a scenario file; the name defaults to the file's name without `.json`.
    ///
    /// - Throws: ``FaultProxyError/Code/invalidArgument`` naming the file and the field at fault.
    public static func load(path: String) throws(FaultProxyError) -> FaultScenario {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FaultProxyError(.invalidArgument, "cannot read scenario \(path): \(error.localizedDescription)")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var scenario = try parse(Array(data), defaultName: name, file: path)
        scenario.source = path
        return scenario
    }

    /// Parses a scenario from JSON text.
    ///
    /// - Throws: ``FaultProxyError/Code/invalidArgument`` naming the field at fault.
    public static func parse(_ text: String, defaultName: String = "scenario") throws(FaultProxyError) -> FaultScenario {
        try parse(Array(text.utf8), defaultName: defaultName, file: "scenario")
    }

    private static func parse(_ bytes: [UInt8], defaultName: String, file: String) throws(FaultProxyError) -> FaultScenario {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw FaultProxyError(.invalidArgument, "\(file) is not JSON: \(error)")
        }
        let fields = try JSONFields(value, path: "")
        try fields.rejectUnknown(["name", "summary", "seed", "workload", "steps", "expect"])
        var scenario = FaultScenario(name: try fields.string("name") ?? defaultName, summary: try fields.string("summary") ?? "",
                                     seed: UInt64(try fields.int("seed") ?? 0))
        if let workload = try fields.fields("workload") { scenario.workload = try ScenarioWorkload(workload) }
        if let expect = try fields.fields("expect") { scenario.expect = try ScenarioExpectation(expect) }
        for (index, step) in (try fields.array("steps") ?? []).enumerated() {
            scenario.steps.append(try ScenarioStep(JSONFields(step, path: "steps[\(index)]")))
        }
        return scenario
    }
}

extension ScenarioWorkload {
    init(_ fields: JSONFields) throws(FaultProxyError) {
        try fields.rejectUnknown(["topic", "group", "messages", "batchSize", "keys", "sendGapMs", "handlerMs", "nackEvery",
                                  "crashAt", "sendRetries", "tokenLifetimeMs"])
        self.init()
        topic = try fields.string("topic") ?? topic
        group = try fields.string("group") ?? group
        messages = try fields.int("messages", minimum: 1) ?? messages
        batchSize = try fields.int("batchSize", minimum: 1) ?? batchSize
        keys = try fields.int("keys") ?? keys
        sendGapMilliseconds = try fields.int("sendGapMs") ?? sendGapMilliseconds
        handlerMilliseconds = try fields.int("handlerMs") ?? handlerMilliseconds
        nackEvery = try fields.int("nackEvery") ?? nackEvery
        crashAt = try fields.int("crashAt")
        sendRetries = try fields.int("sendRetries") ?? sendRetries
        tokenLifetimeMilliseconds = try fields.int("tokenLifetimeMs", minimum: 1000)
        if topic.isEmpty || group.isEmpty { throw fields.error("topic", "and group must not be empty") }
        if let crashAt, crashAt >= messages { throw fields.error("crashAt", "must name one of the \(messages) messages") }
    }
}

extension ScenarioExpectation {
    init(_ fields: JSONFields) throws(FaultProxyError) {
        try fields.rejectUnknown(["connections", "failedRequests", "receiptFaults", "ruleFirings", "redeliveries", "duplicates",
                                  "failedSends", "virtualMs"])
        self.init()
        connections = try fields.int("connections") ?? 0
        receiptFaults = try fields.int("receiptFaults") ?? 0
        redeliveries = try fields.int("redeliveries") ?? 0
        duplicates = try fields.int("duplicates") ?? 0
        failedSends = try fields.int("failedSends") ?? 0
        virtualMilliseconds = try fields.int("virtualMs") ?? 0
        if let failed = try fields.fields("failedRequests") {
            for name in failed.object.keys {
                guard let operation = BrokerOperation(rawValue: name) else {
                    throw failed.error(name, "is not an operation (\(BrokerOperation.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                failedRequests[operation] = try failed.int(name)
            }
        }
        if let firings = try fields.fields("ruleFirings") {
            for name in firings.object.keys { ruleFirings[name] = try firings.int(name) }
        }
    }
}

extension ScenarioStep {
    init(_ fields: JSONFields) throws(FaultProxyError) {
        let trigger: ScenarioTrigger
        switch (try fields.int("afterSends"), try fields.int("atMs")) {
        case (let sends?, nil): trigger = .afterSends(sends)
        case (nil, let milliseconds?): trigger = .atMilliseconds(milliseconds)
        default: throw FaultProxyError(.invalidArgument, "\(fields.path) needs exactly one of \"afterSends\" and \"atMs\"")
        }
        switch (try fields.string("proxy"), try fields.string("broker")) {
        case (let name?, nil): self.init(trigger, try Self.proxyAction(name, fields))
        case (nil, let name?): self.init(trigger, try Self.brokerAction(name, fields))
        default: throw FaultProxyError(.invalidArgument, "\(fields.path) needs exactly one of \"proxy\" and \"broker\"")
        }
    }

    private static func proxyAction(_ name: String, _ fields: JSONFields) throws(FaultProxyError) -> ScenarioAction {
        let base: Set<String> = ["afterSends", "atMs", "proxy"]
        switch name {
        case "toxic":
            try fields.rejectUnknown(base.union(["toxic"]))
            guard let toxic = fields.object["toxic"] else { throw fields.error("toxic", "is required") }
            return .addToxic(try Toxic(json: toxic, path: fields.path("toxic")))
        case "remove-toxic":
            try fields.rejectUnknown(base.union(["name"]))
            return .removeToxic(try fields.requiredString("name"))
        case "rule":
            try fields.rejectUnknown(base.union(["rule"]))
            guard let rule = fields.object["rule"] else { throw fields.error("rule", "is required") }
            return .addRule(try FrameRule(json: rule, path: fields.path("rule")))
        case "remove-rule":
            try fields.rejectUnknown(base.union(["name"]))
            return .removeRule(try fields.requiredString("name"))
        case "down", "up", "cut":
            try fields.rejectUnknown(base)
            return name == "cut" ? .cutConnections : .setProxyEnabled(name == "up")
        default:
            throw fields.error("proxy", "must be toxic, remove-toxic, rule, remove-rule, down, up or cut, not \"\(name)\"")
        }
    }

    private static func brokerAction(_ name: String, _ fields: JSONFields) throws(FaultProxyError) -> ScenarioAction {
        let base: Set<String> = ["afterSends", "atMs", "broker"]
        switch name {
        case "fail-next":
            try fields.rejectUnknown(base.union(["operation", "error", "count", "topic"]))
            let operationName = try fields.requiredString("operation")
            guard let operation = BrokerOperation(rawValue: operationName) else {
                throw fields.error("operation", "must be one of \(BrokerOperation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let errorName = try fields.string("error") ?? "ServiceNotReady"
            guard let error = ServerError(named: errorName) else { throw fields.error("error", "is not a ServerError name (ServiceNotReady …)") }
            return .failNext(operation, error: error, count: try fields.int("count", minimum: 1) ?? 1, topic: try fields.string("topic"))
        case "receipts":
            try fields.rejectUnknown(base.union(["fault", "count", "topic"]))
            let faultName = try fields.requiredString("fault")
            guard let fault = ReceiptFault(rawValue: faultName) else {
                throw fields.error("fault", "must be one of \(ReceiptFault.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return .faultReceipts(fault, count: try fields.int("count", minimum: 1) ?? 1, topic: try fields.string("topic"))
        case "unload":
            try fields.rejectUnknown(base.union(["topic"]))
            return .unload(topic: try fields.string("topic"))
        case "pause":
            try fields.rejectUnknown(base.union(["ms"]))
            return .pause(milliseconds: try fields.int("ms"))
        case "jump-clock":
            try fields.rejectUnknown(base.union(["ms"]))
            guard let milliseconds = try fields.int("ms", minimum: Int.min / 2) else { throw fields.error("ms", "is required") }
            return .jumpClock(milliseconds: milliseconds)
        case "release-receipts", "restart", "resume", "clear":
            try fields.rejectUnknown(base)
            switch name {
            case "release-receipts": return .releaseReceipts
            case "restart": return .restart
            case "resume": return .resume
            default: return .clearBrokerFaults
            }
        default:
            throw fields.error("broker", "must be fail-next, receipts, release-receipts, unload, restart, pause, resume, "
                               + "jump-clock or clear, not \"\(name)\"")
        }
    }
}
