import Foundation
import PulsarClient
import PulsarEmulator

/// `pulsar-bench client`: the Swift client against an in-process emulator over loopback TCP, and the official
/// Python client against the same emulator in the same run.
enum ClientBenchmark {
    struct Settings {
        var messages = 500_000
        var payloadSize = 100
        var roundTrips = 5_000
        var python: String? = ProcessInfo.processInfo.environment["PULSARKIT_PYTHON"]
        var pythonScript: String?
    }

    /// One suite's figures (messages per second, latencies in microseconds).
    struct Figures: Codable {
        var produce: Double
        var consume: Double
        var endToEnd: Double
        var sendP50: Double
        var sendP99: Double
        var roundTripP50: Double
        var roundTripP99: Double
    }

    static func run(arguments: [String]) async throws {
        var settings = Settings()
        var index = 0
        while index < arguments.count {
            let value = index + 1 < arguments.count ? arguments[index + 1] : ""
            switch arguments[index] {
            case "--messages": settings.messages = Int(value) ?? settings.messages
            case "--size": settings.payloadSize = Int(value) ?? settings.payloadSize
            case "--round-trips": settings.roundTrips = Int(value) ?? settings.roundTrips
            case "--python": settings.python = value
            case "--python-script": settings.pythonScript = value
            default: throw BenchError("unknown option \(arguments[index])")
            }
            index += 2
        }
        var configuration = EmulatorConfiguration()
        configuration.logLevel = .error
        let emulator = try await PulsarEmulator.start(configuration)
        say("pulsar-bench client — emulator at \(emulator.serviceURL) (in-process, loopback TCP); "
              + "\(settings.messages) messages of \(settings.payloadSize) B; release build required for meaningful figures")
        let swift = try await SwiftClientRun(serviceURL: emulator.serviceURL, settings: settings).run()
        let python = try await runPython(emulator: emulator, settings: settings)
        await emulator.shutdown()
        report(swift: swift, python: python, settings: settings)
    }

    static func report(swift: Figures, python: Figures?, settings: Settings) {
        let widths = [40, 16, 16, 10]
        say(row(["case", "Swift", "Python (C++)", "ratio"], widths: widths))
        func line(_ name: String, _ ours: Double, _ theirs: Double?, unit: String, higherIsBetter: Bool) {
            let ratio = theirs.map { higherIsBetter ? ours / $0 : $0 / ours }.map { format($0, 2) + "x" } ?? "-"
            say(row([name, format(ours, unit == "msg/s" ? 0 : 1) + " " + unit,
                       theirs.map { format($0, unit == "msg/s" ? 0 : 1) + " " + unit } ?? "n/a", ratio], widths: widths))
        }
        line("batched async produce", swift.produce, python?.produce, unit: "msg/s", higherIsBetter: true)
        line("consume + acknowledge (backlog)", swift.consume, python?.consume, unit: "msg/s", higherIsBetter: true)
        line("end to end (produce while consuming)", swift.endToEnd, python?.endToEnd, unit: "msg/s", higherIsBetter: true)
        line("sync send round trip p50", swift.sendP50, python?.sendP50, unit: "µs", higherIsBetter: false)
        line("sync send round trip p99", swift.sendP99, python?.sendP99, unit: "µs", higherIsBetter: false)
        line("publish → receive p50", swift.roundTripP50, python?.roundTripP50, unit: "µs", higherIsBetter: false)
        line("publish → receive p99", swift.roundTripP99, python?.roundTripP99, unit: "µs", higherIsBetter: false)
        say("ratio: Swift relative to Python (above 1 = Swift better)")
        say("targets: end to end ≥ 300000 msg/s → \(swift.endToEnd >= 300_000 ? "met" : "MISSED"); "
              + "round trip p50 < 150 µs → \(swift.sendP50 < 150 ? "met" : "MISSED")")
    }

    /// Runs scripts/bench/python_client_bench.py with the official client against the emulator.
    static func runPython(emulator: PulsarEmulator, settings: Settings) async throws -> Figures? {
        guard let python = settings.python, !python.isEmpty else {
            say("python comparison skipped: set PULSARKIT_PYTHON or pass --python (a python with pulsar-client)")
            return nil
        }
        let script = settings.pythonScript ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/bench/python_client_bench.py").path
        guard FileManager.default.fileExists(atPath: script) else {
            say("python comparison skipped: \(script) not found (pass --python-script)")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--url", emulator.serviceURL, "--messages", String(settings.messages),
                             "--size", String(settings.payloadSize), "--round-trips", String(settings.roundTrips)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = await ChildProcess.readToEnd(output.fileHandleForReading)
        let status = try await ChildProcess.exitStatus(of: process, timeout: .seconds(600))
        guard status == 0 else {
            say("python comparison failed (exit \(status))")
            return nil
        }
        return try JSONDecoder().decode(Figures.self, from: data)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
