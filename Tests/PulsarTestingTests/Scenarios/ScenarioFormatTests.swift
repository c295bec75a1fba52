import PulsarTesting
import Testing

/// The scenario file format: what it reads, and the errors that name the field at fault.
@Suite("Scenario files") struct ScenarioFormatTests {
    @Test("a file with every kind of step reads into the values it describes")
    func readsEverything() throws {
        let scenario = try FaultScenario.parse("""
            {"name": "all", "summary": "s", "seed": 99,
             "workload": {"topic": "t", "group": "g", "messages": 12, "batchSize": 3, "keys": 2, "sendGapMs": 5,
                          "handlerMs": 7, "nackEvery": 4, "crashAt": 6, "sendRetries": 2, "tokenLifetimeMs": 5000},
             "steps": [
               {"afterSends": 1, "broker": "fail-next", "operation": "send", "error": "PersistenceError", "count": 2, "topic": "t"},
               {"afterSends": 2, "broker": "receipts", "fault": "hold", "count": 3},
               {"atMs": 10, "broker": "release-receipts"},
               {"atMs": 20, "broker": "pause", "ms": 100},
               {"atMs": 30, "broker": "jump-clock", "ms": -60000},
               {"afterSends": 3, "proxy": "toxic", "toxic": {"type": "latency", "stream": "upstream", "attributes": {"latency": 50, "jitter": 5}}},
               {"afterSends": 4, "proxy": "rule", "rule": {"name": "r", "match": {"direction": "downstream", "commands": ["send_receipt"]},
                                                           "action": {"delay": 200}, "count": 2, "after": 1, "probability": 0.5}},
               {"afterSends": 5, "proxy": "rule", "rule": {"preset": "stall-handshake", "count": 1}},
               {"afterSends": 6, "proxy": "cut"},
               {"afterSends": 7, "proxy": "down"},
               {"atMs": 40, "proxy": "up"},
               {"atMs": 50, "proxy": "remove-rule", "name": "r"},
               {"atMs": 60, "broker": "restart"}],
             "expect": {"connections": 3, "failedRequests": {"send": 2}, "ruleFirings": {"r": 1}, "virtualMs": 60}}
            """)
        #expect(scenario.name == "all" && scenario.seed == 99)
        #expect(scenario.workload.messages == 12 && scenario.workload.batchSize == 3 && scenario.workload.crashAt == 6)
        #expect(scenario.workload.tokenLifetimeMilliseconds == 5000)
        #expect(scenario.steps.count == 13)
        #expect(scenario.steps[0] == ScenarioStep(.afterSends(1), .failNext(.send, error: .persistenceError, count: 2, topic: "t")))
        #expect(scenario.steps[1] == ScenarioStep(.afterSends(2), .faultReceipts(.hold, count: 3, topic: nil)))
        #expect(scenario.steps[4] == ScenarioStep(.atMilliseconds(30), .jumpClock(milliseconds: -60000)))
        #expect(scenario.steps[5].action == .addToxic(Toxic(.latency(milliseconds: 50, jitter: 5), stream: .upstream)))
        #expect(scenario.steps[6].action == .addRule(FrameRule("r", match: FrameMatch(direction: .downstream, commands: ["SEND_RECEIPT"]),
                                                               action: .delay(milliseconds: 200), count: 2, after: 1, probability: 0.5)))
        #expect(scenario.steps[7].action == .addRule(FrameRule.stallHandshake(count: 1)))
        #expect(scenario.steps[8].action == .cutConnections)
        #expect(scenario.steps[9].action == .setProxyEnabled(false))
        #expect(scenario.usesProxy)
        #expect(scenario.expect.failedRequests == [.send: 2] && scenario.expect.ruleFirings == ["r": 1])
    }

    @Test("a mistake is reported with the path of the field at fault", arguments: [
        (#"{"steps": [{"afterSends": 1, "broker": "fail-next", "operation": "sned"}]}"#, "steps[0].operation must be one of"),
        (#"{"steps": [{"afterSends": 1, "broker": "fail-next", "operation": "send", "error": "Oops"}]}"#, "steps[0].error is not a ServerError"),
        (#"{"steps": [{"afterSends": 1, "atMs": 2, "broker": "restart"}]}"#, "steps[0] needs exactly one of \"afterSends\" and \"atMs\""),
        (#"{"steps": [{"afterSends": 1, "broker": "restart", "proxy": "cut"}]}"#, "steps[0] needs exactly one of \"proxy\" and \"broker\""),
        (#"{"steps": [{"afterSends": -1, "broker": "restart"}]}"#, "steps[0].afterSends must be an integer ≥ 0"),
        (#"{"steps": [{"afterSends": 1, "broker": "restart", "ms": 5}]}"#, "steps[0].ms is not a known field"),
        (#"{"steps": [{"afterSends": 1, "proxy": "toxic", "toxic": {"type": "gremlin"}}]}"#, "steps[0].toxic: invalid toxic type"),
        (#"{"steps": [{"afterSends": 1, "proxy": "rule", "rule": {"name": "x", "action": "explode"}}]}"#, "steps[0].rule.action must be drop"),
        (#"{"steps": [{"afterSends": 1, "proxy": "rule", "rule": {"name": "x", "match": {"commands": ["SNED"]}, "action": "drop"}}]}"#,
         "steps[0].rule.match.commands names an unknown command"),
        (#"{"steps": [{"afterSends": 1, "proxy": "rule", "rule": {"name": "x", "action": "drop", "probability": 2}}]}"#,
         "steps[0].rule: probability must be between 0 and 1"),
        (#"{"workload": {"messages": 0}}"#, "workload.messages must be an integer ≥ 1"),
        (#"{"workload": {"messages": 5, "crashAt": 5}}"#, "workload.crashAt must name one of the 5 messages"),
        (#"{"workload": {"mesages": 5}}"#, "workload.mesages is not a known field"),
        (#"{"expect": {"failedRequests": {"sned": 1}}}"#, "expect.failedRequests.sned is not an operation"),
        (#"{"steps": [}"#, "scenario is not JSON"),
    ])
    func reportsMistakes(_ text: String, _ message: String) {
        #expect {
            try FaultScenario.parse(text)
        } throws: { error in
            guard let error = error as? FaultProxyError, error.code == .invalidArgument else { return false }
            return error.message.contains(message)
        }
    }

    @Test("a file that cannot be read is an error naming it")
    func missingFile() {
        #expect {
            try FaultScenario.load(path: "/nonexistent/scenario.json")
        } throws: { error in
            (error as? FaultProxyError)?.message.hasPrefix("cannot read scenario /nonexistent/scenario.json") == true
        }
    }

    @Test("every scenario in Fixtures/scenarios reads, has a summary and expects evidence of its faults")
    func fixturesRead() throws {
        #expect(ScenarioSuiteTests.files.count >= 12)
        for file in ScenarioSuiteTests.files {
            let scenario = try FaultScenario.load(path: ScenarioSuiteTests.directory.appendingPathComponent(file).path)
            #expect(!scenario.summary.isEmpty, "\(file)")
            #expect(scenario.expect != ScenarioExpectation(), "\(file) expects no evidence")
        }
    }
}
