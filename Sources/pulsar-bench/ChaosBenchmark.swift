import PulsarTesting

/// `pulsar-bench chaos` and `pulsar-bench scenario`: fault schedules run on the EventBus against the in-process
/// emulator on a virtual clock, every history judged by the checker.
///
///   chaos      `--runs N --seed S [--parallel P]`: the random schedules of seeds S, S+1 … S+N-1 (``ChaosSchedule``),
///              P at a time; prints each failing seed with its replay command, then schedules per minute
///   scenario   `FILE [--seed S]`: one scenario file, with its own seed or S
enum ChaosBenchmark {
    static func chaos(arguments: [String]) async throws -> Bool {
        var runs = 1000
        var seed: UInt64 = 1
        var parallel = 4
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs": runs = try number(iterator.next(), argument)
            case "--seed": seed = UInt64(try number(iterator.next(), argument, minimum: 0))
            case "--parallel": parallel = try number(iterator.next(), argument)
            default: throw BenchmarkError("unknown option \(argument) (options: --runs N --seed S --parallel P)")
            }
        }
        say("pulsar-bench chaos: \(runs) random fault schedules from seed \(seed), \(parallel) at a time")
        let clock = ContinuousClock()
        let started = clock.now
        var totals = (sends: 0, deliveries: 0, duplicates: 0, redeliveries: 0, failedAttempts: 0, steps: 0, connections: 0)
        var failures: [ScenarioResult] = []
        try await withThrowingTaskGroup(of: ScenarioResult.self) { group in
            var next = 0
            func launch() {
                let runSeed = seed &+ UInt64(next)
                next += 1
                group.addTask { try await runScenario(ChaosSchedule.scenario(seed: runSeed), timeout: .seconds(20)) }
            }
            for _ in 0..<min(parallel, runs) { launch() }
            while let result = try await group.next() {
                totals.sends += result.check.sends
                totals.deliveries += result.check.deliveries
                totals.duplicates += result.check.duplicates
                totals.redeliveries += result.check.redeliveries
                totals.failedAttempts += result.failedSendAttempts
                totals.steps += result.firedSteps
                totals.connections += result.connections
                if !result.isValid {
                    failures.append(result)
                    say("FAILED \(result)")
                    say(result.scenario.outline.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
                }
                if next < runs { launch() }
            }
        }
        let elapsed = (clock.now - started).milliseconds
        say("runs \(runs), failed \(failures.count); \(totals.steps) faults fired, \(totals.sends) messages sent "
            + "(\(totals.failedAttempts) failed attempts), \(totals.deliveries) deliveries (\(totals.duplicates) duplicates, "
            + "\(totals.redeliveries) marked redeliveries), \(totals.connections) connections")
        say("\(format(Double(runs) * 60_000 / max(elapsed, 1), 0)) schedules per minute (\(format(elapsed / 1000, 1)) s; goal ≥ 1000, "
            + "zero violations)")
        if !failures.isEmpty {
            say("failing seeds: \(failures.map { String($0.seed) }.sorted().joined(separator: " "))")
            say("replay one: swift run pulsar-bench chaos --runs 1 --seed <seed>")
        }
        return failures.isEmpty
    }

    static func scenario(arguments: [String]) async throws -> Bool {
        var path: String?
        var seed: UInt64?
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--seed": seed = UInt64(try number(iterator.next(), argument, minimum: 0))
            default:
                guard path == nil, !argument.hasPrefix("-") else { throw BenchmarkError("usage: pulsar-bench scenario FILE [--seed S]") }
                path = argument
            }
        }
        guard let path else { throw BenchmarkError("usage: pulsar-bench scenario FILE [--seed S]") }
        let scenario = try FaultScenario.load(path: path)
        say("scenario \(scenario.name): \(scenario.summary)")
        let result = try await runScenario(scenario, seed: seed)
        say(result.description)
        for line in result.unmetExpectations { say("  evidence missing: \(line)") }
        return result.isValid
    }

    private static func number(_ text: String?, _ option: String, minimum: Int = 1) throws -> Int {
        guard let text, let value = Int(text), value >= minimum else { throw BenchmarkError("\(option) needs a number ≥ \(minimum)") }
        return value
    }
}
