import PulsarWire

/// A fault scenario: an EventBus workload, a timeline of faults, and a seed. Written as a JSON file
/// (``FaultScenario/load(path:)``; the format is in docs/faults.md), run in process by
/// ``runScenario(_:seed:timeout:)`` and checked with ``HistoryChecker``.
///
/// ```
///  workload ── sends 0 … n ──▶ [fault proxy: toxics, frame rules] ──▶ emulator (broker faults)
///     │  "afterSends": k ─▶ step fires once k messages were handed to the producer
///     │  "atMs": t ───────▶ step fires at virtual time t after the workload started
///     └─ handler ◀── deliveries ── every send, delivery and ack recorded ─▶ HistoryChecker
/// ```
public struct FaultScenario: Sendable, Equatable {
    /// A short name (the file's name without `.json` by default).
    public var name: String
    /// What the scenario shows, for a person.
    public var summary: String
    /// Seeds every random choice: the proxy's toxics and rules. The same seed gives the same fault decisions.
    public var seed: UInt64
    /// What the service does while the faults happen.
    public var workload: ScenarioWorkload
    /// The faults, in file order (steps due together fire in that order).
    public var steps: [ScenarioStep]
    /// Evidence the run must show that its faults really happened (a scenario that fires nothing proves nothing).
    public var expect: ScenarioExpectation
    /// The file it was loaded from, for the replay command.
    public var source: String?

    /// A scenario.
    public init(name: String, summary: String = "", seed: UInt64 = 0, workload: ScenarioWorkload = ScenarioWorkload(),
                steps: [ScenarioStep] = [], expect: ScenarioExpectation = ScenarioExpectation(), source: String? = nil) {
        self.name = name
        self.summary = summary
        self.seed = seed
        self.workload = workload
        self.steps = steps
        self.expect = expect
        self.source = source
    }

    /// Whether a step needs the fault proxy.
    public var usesProxy: Bool { steps.contains { $0.action.isProxyAction } }
}

/// The service a scenario runs: one EventBus producer and one exclusive consumer group, as a Coze Studio service has.
public struct ScenarioWorkload: Sendable, Equatable {
    /// The topic (short names are in `public/default`).
    public var topic = "scenario"
    /// The consumer group (subscription).
    public var group = "cg_scenario"
    /// How many messages the producer sends.
    public var messages = 40
    /// Messages per `batchSend` (1: `send`).
    public var batchSize = 1
    /// How many sharding keys the batches cycle through (0: no key).
    public var keys = 0
    /// Virtual milliseconds between batches.
    public var sendGapMilliseconds = 0
    /// Virtual milliseconds each handler call takes (a slow consumer).
    public var handlerMilliseconds = 0
    /// When above 0, the first delivery of every `nackEvery`-th message fails, so the bus nacks it (a nack storm at 1).
    public var nackEvery = 0
    /// The consumer dies on its first delivery of this message, before acknowledging it; a new replica registers.
    public var crashAt: Int?
    /// How often a failed batch is sent again (a service's retry) before it counts as failed.
    public var sendRetries = 5
    /// With a lifetime, the broker authenticates with JWTs that expire after it (virtual milliseconds), and checks
    /// connections a tenth of it apart: clients must refresh their token mid-stream.
    public var tokenLifetimeMilliseconds: Int?

    /// The defaults: 40 unbatched messages without keys, a consumer that succeeds at once.
    public init() {}
}

/// The least a run must show of its faults: every figure is a minimum.
public struct ScenarioExpectation: Sendable, Equatable {
    /// Connections the clients opened (more than the first ones means they reconnected).
    public var connections = 0
    /// Requests the broker refused, by operation.
    public var failedRequests: [BrokerOperation: Int] = [:]
    /// Receipts the broker held, dropped or reordered.
    public var receiptFaults = 0
    /// Firings of proxy frame rules, by rule name.
    public var ruleFirings: [String: Int] = [:]
    /// Deliveries the broker marked as redeliveries.
    public var redeliveries = 0
    /// Deliveries of a message already delivered.
    public var duplicates = 0
    /// Send attempts that reported failure.
    public var failedSends = 0
    /// Virtual milliseconds the run took.
    public var virtualMilliseconds = 0

    /// Nothing expected.
    public init() {}
}

/// One fault and when it happens.
public struct ScenarioStep: Sendable, Equatable {
    /// When it fires.
    public var trigger: ScenarioTrigger
    /// What it does.
    public var action: ScenarioAction

    /// A step.
    public init(_ trigger: ScenarioTrigger, _ action: ScenarioAction) {
        self.trigger = trigger
        self.action = action
    }
}

/// When a step fires.
public enum ScenarioTrigger: Sendable, Equatable {
    /// Once this many messages were handed to the producer; 0 fires before the first send.
    case afterSends(Int)
    /// At this virtual time, in milliseconds, after the workload started.
    case atMilliseconds(Int)
}

/// What a step does: a proxy fault (between the clients and the broker) or a broker fault (inside the emulator).
public enum ScenarioAction: Sendable, Equatable {
    /// Adds a toxic to the proxy.
    case addToxic(Toxic)
    /// Removes a toxic from the proxy.
    case removeToxic(String)
    /// Adds a frame rule to the proxy.
    case addRule(FrameRule)
    /// Removes a frame rule from the proxy.
    case removeRule(String)
    /// Disables (down: every connection closed, new ones refused) or enables the proxy.
    case setProxyEnabled(Bool)
    /// Closes every proxied connection at once; new ones are accepted.
    case cutConnections
    /// The broker refuses the next `count` requests of `operation`.
    case failNext(BrokerOperation, error: ServerError, count: Int, topic: String?)
    /// The broker holds, drops or reverses the next `count` SEND_RECEIPTs.
    case faultReceipts(ReceiptFault, count: Int, topic: String?)
    /// The broker sends the receipts it holds.
    case releaseReceipts
    /// The broker unloads a topic (the workload's when nil).
    case unload(topic: String?)
    /// The broker drops every connection and keeps its state.
    case restart
    /// The broker stops serving (for a while, or until ``resume``).
    case pause(milliseconds: Int?)
    /// The broker serves again.
    case resume
    /// The broker's wall clock jumps (time to live, delayed delivery, token expiry see it; timers do not).
    case jumpClock(milliseconds: Int)
    /// The broker forgets every armed fault and releases held receipts.
    case clearBrokerFaults

    /// Whether the action acts on the proxy.
    public var isProxyAction: Bool {
        switch self {
        case .addToxic, .removeToxic, .addRule, .removeRule, .setProxyEnabled, .cutConnections: true
        default: false
        }
    }
}

extension FaultScenario {
    /// The workload and the steps, one line each, for a failure report.
    public var outline: String {
        let w = workload
        var lines = ["workload: \(w.messages) messages in batches of \(w.batchSize), \(w.keys) keys, gap \(w.sendGapMilliseconds) ms, "
                     + "handler \(w.handlerMilliseconds) ms, nack every \(w.nackEvery), crash at \(w.crashAt.map(String.init) ?? "-"), "
                     + "token lifetime \(w.tokenLifetimeMilliseconds.map { "\($0) ms" } ?? "-")"]
        for step in steps {
            let when = switch step.trigger {
            case .afterSends(let count): "after \(count) sends"
            case .atMilliseconds(let milliseconds): "at \(milliseconds) ms"
            }
            lines.append("\(when): \(step.action)")
        }
        return lines.joined(separator: "\n")
    }
}
