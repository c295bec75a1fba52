@testable import PulsarTesting
import Testing

/// The timeline that decides when steps fire, and what a run reports when its evidence is missing.
@Suite("Scenario runs") struct ScenarioRunTests {
    @Test("steps fire once each, in file order, when their send count or time is reached")
    func timeline() {
        var timeline = ScenarioTimeline([
            ScenarioStep(.afterSends(5), .restart),
            ScenarioStep(.atMilliseconds(100), .resume),
            ScenarioStep(.afterSends(0), .releaseReceipts),
            ScenarioStep(.afterSends(5), .clearBrokerFaults),
        ])
        #expect(timeline.nextTimeTrigger == 100)
        #expect(timeline.due(sends: 0, elapsedMilliseconds: 0).map(\.action) == [.releaseReceipts])
        #expect(timeline.due(sends: 4, elapsedMilliseconds: 99).isEmpty)
        #expect(timeline.due(sends: 9, elapsedMilliseconds: 99).map(\.action) == [.restart, .clearBrokerFaults])
        #expect(timeline.due(sends: 9, elapsedMilliseconds: 99).isEmpty)
        #expect(timeline.unfired.map(\.action) == [.resume])
        #expect(timeline.due(sends: 9, elapsedMilliseconds: 100).map(\.action) == [.resume])
        #expect(timeline.fired == [2, 0, 3, 1])
        #expect(timeline.nextTimeTrigger == nil && timeline.unfired.isEmpty)
    }

    @Test("a run whose faults did not happen is not valid, and names its seed and the replay command")
    func missingEvidence() async throws {
        var scenario = FaultScenario(name: "quiet", seed: 5, steps: [ScenarioStep(.afterSends(1000), .restart)])
        scenario.workload.messages = 10
        scenario.expect.connections = 10
        scenario.expect.failedRequests = [.send: 1]
        let result = try await runScenario(scenario)
        #expect(result.check.isValid, "the history itself keeps every promise")
        #expect(result.check.acknowledgedSends == 10)
        #expect(!result.isValid)
        #expect(result.unfiredSteps == [ScenarioStep(.afterSends(1000), .restart)])
        #expect(result.unmetExpectations == ["connections: 2, expected at least 10", "refused send requests: 0, expected at least 1"])
        #expect(result.description.contains("seed 5"))
        #expect(result.description.contains("replay: swift run pulsar-bench chaos --runs 1 --seed 5"))
        #expect(throws: ScenarioFailure.self) { try result.requireValid() }
    }

    @Test("a replay with another seed runs with it")
    func seedOverride() async throws {
        var scenario = try FaultScenario.load(path: ScenarioSuiteTests.directory.appendingPathComponent("send-error.json").path)
        scenario.workload.messages = 30
        let result = try await runScenario(scenario, seed: 1234)
        #expect(result.seed == 1234)
        #expect(result.isValid, "\(result)")
        #expect(result.replayCommand.hasSuffix("send-error.json --seed 1234"))
    }
}
