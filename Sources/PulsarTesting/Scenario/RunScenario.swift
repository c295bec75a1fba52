import PulsarSupport

/// Runs `scenario` in process: an emulator (behind an in-memory fault proxy when a step needs one) on a virtual
/// clock, the scenario's EventBus workload, its steps at their triggers. Once every send has ended, the faults are
/// healed (toxics and rules removed, the proxy up, broker faults cleared) and the run waits until every acknowledged
/// message was handled; then ``HistoryChecker`` judges the history.
///
/// ```swift
/// let result = try await runScenario(FaultScenario.load(path: "Fixtures/scenarios/send-error.json"))
/// try result.requireValid()   // a failure names the seed and the replay command
/// ```
///
/// - Parameters:
///   - seed: replaces the scenario's seed (to replay a failing run, or to explore).
///   - timeout: the real-time deadline of each phase (sending, then draining).
/// - Throws: what starting the harness, the consumer or the producer throws. A run that breaks a promise or times
///   out returns a result that is not valid instead.
public func runScenario(_ scenario: FaultScenario, seed: UInt64? = nil, timeout: Duration = .seconds(30)) async throws
    -> ScenarioResult {
    let seed = seed ?? scenario.seed
    var options = PulsarTestHarnessOptions()
    options.faultProxy = scenario.usesProxy
    options.faultSeed = seed
    options.keepAliveInterval = .seconds(30)
    options.consumerDefaults.nackRedeliveryDelay = .seconds(1)
    if let lifetime = scenario.workload.tokenLifetimeMilliseconds {
        var authentication = EmulatorAuthentication.generatedSecret()
        authentication.superuserRoles = ["app"]
        authentication.refreshCheckInterval = .milliseconds(max(lifetime / 10, 100))
        options.emulator.authentication = authentication
        options.tokenRole = "app"
        options.tokenLifetime = .milliseconds(lifetime)
    }
    return try await withPulsarTestHarness(options) { harness in
        try await ScenarioRun(scenario: scenario, seed: seed, harness: harness).execute(timeout: timeout)
    }
}
