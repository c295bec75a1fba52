import PulsarTesting
import Testing

/// The example service end to end. By default on the in-process emulator; with `PULSARKIT_BROKER_URL` set (and
/// optionally `PULSARKIT_ADMIN_URL`, `PULSAR_JWT_TOKEN`), the same tests run against that broker.
@Suite("Examples: a Coze-like service tested end to end", .timeLimit(.minutes(2)))
struct ExampleTests {
    let options = PulsarTestHarnessOptions.fromEnvironment()

    @Test("the search indexer applies events in order")
    func searchIndexer() async throws { try await withPulsarTestHarness(options, ExampleScenarios.searchIndexer) }

    @Test("a knowledge event fans out into document events published from the handler")
    func knowledgeFanOut() async throws { try await withPulsarTestHarness(options, ExampleScenarios.knowledgeFanOut) }

    @Test("error code 404 is acknowledged, 503 is retried until the store recovers")
    func errorCodes() async throws { try await withPulsarTestHarness(options, ExampleScenarios.errorCodes) }

    @Test("a poison event is retried, then dead-lettered; the next event is handled")
    func retriesThenDeadLetter() async throws { try await withPulsarTestHarness(options, ExampleScenarios.retriesThenDeadLetter) }

    @Test("stopping a replica loses nothing and handles nothing twice")
    func shutdownHandsOver() async throws { try await withPulsarTestHarness(options, ExampleScenarios.shutdownHandsOver) }

    @Test("a broker restart mid-stream loses nothing", .enabled(if: PulsarTestHarnessOptions.fromEnvironment().brokerURL == nil,
                                                                  "restarts the in-process broker"))
    func brokerRestartMidStream() async throws { try await withPulsarTestHarness(options, ExampleScenarios.brokerRestartMidStream) }

    @Test("the same scenarios run against a broker over TCP in real time, as with PULSARKIT_BROKER_URL")
    func externalBrokerMode() async throws {
        try await withPulsarEmulator { emulator in
            let environment = [PulsarTestHarnessOptions.brokerURLVariable: emulator.serviceURL]
            let options = PulsarTestHarnessOptions.fromEnvironment(environment)
            for scenario in ExampleScenarios.portable {
                try await withPulsarTestHarness(options) { harness in
                    #expect(!harness.isInProcess)
                    try await scenario.run(harness)
                }
            }
            await #expect(throws: PulsarTestHarnessError.self) {
                try await withPulsarTestHarness(options) { try await $0.runUntilIdle() }
            }
        }
    }
}
