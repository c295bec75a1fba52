import PulsarTesting
import Synchronization

/// `pulsar-bench hermetic`: what one hermetic test costs with PulsarTesting, end to end and in real time.
///
///   lifecycle   harness up (emulator, bus, virtual clock), register a consumer, publish, handle, ack, tear down
///   nack 60 s   the same, with a handler that fails once: the nack comes back after 60 s of virtual time under
///               runUntilIdle()
///
/// Every run checks what it measured: the handler saw the message exactly the expected number of times, the broker
/// holds the acknowledgement, and (for the nack) a whole nack delay of virtual time passed. A run that fails its check
/// aborts the suite with no figure.
enum HermeticBenchmark {
    static func run(arguments: [String]) async throws {
        var runs = 1000
        var nackRuns = 200
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs": runs = try positive(iterator.next(), argument)
            case "--nack-runs": nackRuns = try positive(iterator.next(), argument)
            default: throw BenchmarkError("unknown option \(argument) (options: --runs N --nack-runs N)")
            }
        }
        say("pulsar-bench hermetic: \(runs) lifecycle runs, \(nackRuns) nack runs (real time per whole test)")
        for _ in 0..<20 { _ = try await lifecycle() }  // warm-up
        var lifecycleTimes: [Double] = []
        for _ in 0..<runs { lifecycleTimes.append(try await lifecycle()) }
        var nackTimes: [Double] = []
        for _ in 0..<nackRuns { nackTimes.append(try await nackRedelivery()) }
        let widths = [42, 8, 8, 8, 12]
        say(row(["test (real time, ms)", "median", "p99", "max", "goal"], widths: widths))
        say(row(["lifecycle: up, register, send, ack, down", format(percentile(lifecycleTimes, 0.5), 2),
                 format(percentile(lifecycleTimes, 0.99), 2), format(lifecycleTimes.max() ?? 0, 2), "< 5 median"],
                widths: widths))
        say(row(["nack redelivered after 60 s virtual", format(percentile(nackTimes, 0.5), 2),
                 format(percentile(nackTimes, 0.99), 2), format(nackTimes.max() ?? 0, 2), "< 50"], widths: widths))
        let speedUp = 60_000 / max(percentile(nackTimes, 0.5), 0.001)
        say("virtual time runs \(format(speedUp, 0))× faster than the 60 s the nack test covers (median)")
    }

    /// One whole hermetic test; returns its real time in milliseconds.
    private static func lifecycle() async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await withPulsarTestHarness { harness in
            let seen = Counter()
            _ = try await harness.bus.registerConsumer(topic: "bench", group: "cg") { _ in seen.increment() }
            try await harness.publish("event", to: "bench")
            try await harness.until("handled") { seen.value == 1 }
            try await harness.settle()
            guard seen.value == 1, harness.emulator?.subscription("cg", topic: "bench")?.unacknowledged == 0,
                  harness.emulator?.subscription("cg", topic: "bench")?.backlog == 0 else {
                throw BenchmarkError("lifecycle check failed: handled \(seen.value)\n\(harness.stateReport())")
            }
        }
        return (clock.now - start).milliseconds
    }

    /// A test of a nack's redelivery after 60 s of virtual time; returns its real time in milliseconds.
    private static func nackRedelivery() async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await withPulsarTestHarness { harness in
            let seen = Counter()
            _ = try await harness.bus.registerConsumer(topic: "bench-nack", group: "cg") { _ in
                if seen.increment() == 1 { throw BenchmarkError("first attempt fails") }
            }
            try await harness.publish("event", to: "bench-nack")
            let elapsed = try await harness.runUntilIdle()
            guard seen.value == 2, elapsed >= .seconds(60),
                  harness.emulator?.subscription("cg", topic: "bench-nack")?.unacknowledged == 0 else {
                throw BenchmarkError("nack check failed: \(seen.value) attempts, \(elapsed) virtual\n\(harness.stateReport())")
            }
        }
        return (clock.now - start).milliseconds
    }

    private static func positive(_ text: String?, _ option: String) throws -> Int {
        guard let text, let value = Int(text), value > 0 else { throw BenchmarkError("\(option) needs a positive number") }
        return value
    }
}

/// A count shared with handlers.
private final class Counter: Sendable {
    private let count = Atomic(0)

    /// Adds one and returns the new count.
    @discardableResult
    func increment() -> Int { count.add(1, ordering: .relaxed).newValue }

    var value: Int { count.load(ordering: .relaxed) }
}

/// A benchmark that cannot run or whose check failed.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    /// Milliseconds as a Double.
    var milliseconds: Double { self / .milliseconds(1) }
}
