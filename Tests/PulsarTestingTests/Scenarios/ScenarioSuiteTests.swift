import Foundation
import PulsarTesting
import Testing

/// Every scenario in Fixtures/scenarios, run on the EventBus against the in-process emulator and judged by the
/// history checker: nothing lost, nothing invented, order kept where the subscription promises it.
@Suite("Fault scenarios") struct ScenarioSuiteTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/scenarios")

    /// The scenario files; `PULSARKIT_SCENARIO=name.json` runs one.
    static var files: [String] {
        let only = ProcessInfo.processInfo.environment["PULSARKIT_SCENARIO"]
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") && (only == nil || only == $0) }.sorted()
    }

    @Test("the scenario keeps every promise", arguments: files)
    func scenario(_ file: String) async throws {
        let scenario = try FaultScenario.load(path: Self.directory.appendingPathComponent(file).path)
        let result = try await runScenario(scenario)
        try result.requireValid()
        #expect(result.check.acknowledgedSends == scenario.workload.messages, "\(result)")
        #expect(result.unfiredSteps.isEmpty, "\(result)")
    }
}
