/// What a scenario run did, and what ``HistoryChecker`` found in its history.
public struct ScenarioResult: Sendable, CustomStringConvertible {
    /// The scenario.
    public let scenario: FaultScenario
    /// The seed the run used (the scenario's, or the one given to replay it).
    public let seed: UInt64
    /// The checker's verdict and counts.
    public let check: HistoryCheck
    /// Every send, delivery and acknowledgement.
    public let history: History
    /// Steps that fired.
    public let firedSteps: Int
    /// Steps whose trigger was not reached before the workload ended (they never fired).
    public let unfiredSteps: [ScenarioStep]
    /// How often each proxy frame rule fired, by name.
    public let ruleFirings: [String: Int]
    /// Virtual time the run took.
    public let virtualDuration: Duration
    /// Connections the clients opened.
    public let connections: Int
    /// What the broker's faults did.
    public let brokerFaults: BrokerFaultReport
    /// Why the run did not finish (a wait that timed out, a step that failed), or nil.
    public let problem: String?

    /// True when the run finished, the history keeps every promise, and the run shows the evidence the scenario
    /// expects.
    public var isValid: Bool { check.isValid && problem == nil && unmetExpectations.isEmpty }

    /// The scenario's expectations this run did not meet, one line each.
    public var unmetExpectations: [String] {
        let expect = scenario.expect
        var unmet: [String] = []
        func require(_ what: String, _ actual: Int, atLeast minimum: Int) {
            if actual < minimum { unmet.append("\(what): \(actual), expected at least \(minimum)") }
        }
        require("connections", connections, atLeast: expect.connections)
        for (operation, minimum) in expect.failedRequests.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            require("refused \(operation.rawValue) requests", brokerFaults.failedRequests[operation] ?? 0, atLeast: minimum)
        }
        require("receipt faults", brokerFaults.heldReceipts + brokerFaults.releasedReceipts + brokerFaults.droppedReceipts
                + brokerFaults.reorderedReceipts,
                atLeast: expect.receiptFaults)
        for (rule, minimum) in expect.ruleFirings.sorted(by: { $0.key < $1.key }) {
            require("firings of rule \(rule)", ruleFirings[rule] ?? 0, atLeast: minimum)
        }
        require("redeliveries", check.redeliveries, atLeast: expect.redeliveries)
        require("duplicates", check.duplicates, atLeast: expect.duplicates)
        require("failed sends", failedSendAttempts, atLeast: expect.failedSends)
        require("virtual milliseconds", Int(virtualDuration.components.seconds * 1000 + virtualDuration.components.attoseconds / 1_000_000_000_000_000),
                atLeast: expect.virtualMilliseconds)
        return unmet
    }

    /// Send attempts that reported failure (a retried send counts each time).
    public var failedSendAttempts: Int {
        history.events.reduce(0) { count, event in
            if case .sendCompleted(_, .failed) = event { return count + 1 }
            return count
        }
    }

    /// The command that runs the scenario again with the same seed.
    public var replayCommand: String {
        if let source = scenario.source { return "swift run pulsar-bench scenario \(source) --seed \(seed)" }
        return "swift run pulsar-bench chaos --runs 1 --seed \(seed)"
    }

    /// Throws ``ScenarioFailure`` unless the run is valid.
    public func requireValid() throws {
        if !isValid { throw ScenarioFailure(result: self) }
    }

    /// The scenario, its seed, the verdict, and the replay command when it failed.
    public var description: String {
        var lines = ["scenario \(scenario.name) (seed \(seed)): \(check)"]
        if let problem { lines.append("  did not finish: \(problem)") }
        for line in unmetExpectations { lines.append("  evidence missing: \(line)") }
        if !unfiredSteps.isEmpty { lines.append("  \(unfiredSteps.count) step(s) never fired") }
        if !isValid { lines.append("  replay: \(replayCommand)") }
        return lines.joined(separator: "\n")
    }
}

/// A scenario run whose history broke a promise or that did not finish; its description names the seed and the
/// command that replays it.
public struct ScenarioFailure: Error, Sendable, CustomStringConvertible {
    /// The failed run.
    public let result: ScenarioResult

    /// The run's description.
    public var description: String { result.description }
}
