import Foundation
import PulsarEmulator
import PulsarNet
import PulsarWire

/// `pulsar-bench emulator`: start-up time, memory for retained messages, and the official Python client driving the
/// emulator and pulsar-lite (an independent Pulsar-compatible broker) in the same run.
enum EmulatorBenchmark {
    static func run(arguments: [String]) async throws {
        let retained = Int(value(of: "--retained", in: arguments) ?? "") ?? 1_000_000
        let messages = value(of: "--messages", in: arguments) ?? "200000"
        let python = value(of: "--python", in: arguments) ?? ProcessInfo.processInfo.environment["PULSARKIT_PYTHON"]
        say("pulsar-bench emulator — release build; the machine is shared, so compare the ratios, not the absolutes")

        let start = try await startupTime()
        say("start to accepting connections (in-process, median of 21): \(format(start * 1e6, 0)) µs (target < 10 ms)")

        // Acknowledged first: RSS only grows within a process, so the smaller figure must be taken first.
        let acknowledged = try await retainedMemory(messages: retained, acknowledge: true)
        say("RSS with \(retained) acknowledged 100-byte messages, default retention (ledgers of 50,000 entries): "
              + "\(acknowledged.after / 1_048_576) MiB (\(acknowledged.before / 1_048_576) MiB before publishing; "
              + "\(acknowledged.stored) messages still stored)")
        let kept = try await retainedMemory(messages: retained, acknowledge: false)
        say("RSS with \(retained) retained 100-byte messages: \(kept.after / 1_048_576) MiB "
              + "(\(kept.before / 1_048_576) MiB before publishing; target < 300 MB)")

        guard let python else {
            say("official-client comparison skipped: pass --python or set PULSARKIT_PYTHON (scripts/interop-venv makes one)")
            return
        }
        let script = packageRoot().appendingPathComponent("scripts/bench/pulsar_load.py").path
        let emulator = try await PulsarEmulator.start()
        let cpuBefore = processCPUSeconds()
        var ours = try await runLoad(python: python, script: script, url: emulator.serviceURL, messages: messages)
        ours["broker_cpu_s"] = processCPUSeconds() - cpuBefore   // the emulator runs in this process
        await emulator.shutdown()
        guard let lite = try await startPulsarLite(python: python) else {
            say("pulsar-lite not found in that venv: comparison skipped")
            say("\(ours)")
            return
        }
        let liteBefore = childCPUSeconds(pid: lite.process.processIdentifier)
        let theirs: [String: Double]
        do {
            var figures = try await runLoad(python: python, script: script, url: lite.url, messages: messages)
            figures["broker_cpu_s"] = childCPUSeconds(pid: lite.process.processIdentifier) - liteBefore
            theirs = figures
        } catch {
            await stopPulsarLite(lite.process)
            throw error
        }
        await stopPulsarLite(lite.process)
        report(emulator: ours, pulsarLite: theirs)
    }

    static func value(of flag: String, in arguments: [String]) -> String? {
        guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    /// Median seconds from `start` returning to a completed TCP handshake... of the listener: start binds and
    /// accepts before returning, so its duration is the time to accepting connections.
    static func startupTime() async throws -> Double {
        var samples: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<21 {
            var emulator: PulsarEmulator?
            let elapsed = try await clock.measure { emulator = try await PulsarEmulator.start() }
            samples.append(Double(elapsed.nanoseconds) / 1e9)
            await emulator?.shutdown()
        }
        return samples.sorted()[samples.count / 2]
    }

    /// Publishes `messages` 100-byte messages over an in-memory connection and reads RSS before and after. With
    /// `acknowledge`, the subscription acknowledges each window cumulatively (up to the last receipt's id) as it goes.
    static func retainedMemory(messages: Int, acknowledge: Bool) async throws -> (before: Int, after: Int, stored: Int) {
        let emulator = try await PulsarEmulator.start()
        defer { Task { await emulator.shutdown() } }
        let stream = emulator.connectInMemory()
        var decoder = FrameDecoder()
        func next() async throws -> Frame {
            while true {
                if let frame = try decoder.next() { return frame }
                guard let bytes = try await stream.read(maxLength: 1 << 20) else { throw CocoaError(.fileReadUnknown) }
                decoder.append(bytes)
            }
        }
        stream.enqueue(FrameEncoder.encode(.connect(CommandConnect(clientVersion: "bench", protocolVersion: 20))))
        _ = try await next()
        stream.enqueue(FrameEncoder.encode(.subscribe(CommandSubscribe(topic: "retained", subscription: "keep", subType: .exclusive,
                                                                       consumerId: 1, requestId: 1))))
        _ = try await next()
        stream.enqueue(FrameEncoder.encode(.producer(CommandProducer(topic: "retained", producerId: 1, requestId: 2))))
        _ = try await next()
        let before = residentBytes()
        let payload = [UInt8](repeating: 0x61, count: 100)
        let window = 1000
        var sequence: UInt64 = 0
        while sequence < UInt64(messages) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(window * 180)
            let end = min(UInt64(messages), sequence + UInt64(window))
            for id in sequence..<end {
                FrameEncoder.encode(.send(CommandSend(producerId: 1, sequenceId: id)),
                                    metadata: MessageMetadata(producerName: "bench", sequenceId: id, publishTime: 1_764_000_000_000),
                                    payload: payload, into: &bytes)
            }
            try await stream.write(bytes)
            var last: MessageIdData?
            for _ in sequence..<end {
                if case .sendReceipt(let receipt) = try await next().command { last = receipt.messageId }
            }
            if acknowledge, let last {
                stream.enqueue(FrameEncoder.encode(.ack(CommandAck(consumerId: 1, ackType: .cumulative, messageId: [last]))))
            }
            sequence = end
        }
        // A PING answered means every frame before it was handled.
        stream.enqueue(FrameEncoder.encode(.ping(CommandPing())))
        while case let frame = try await next(), frame.command != .pong(CommandPong()) {}
        let stored = emulator.topic("retained")?.storedMessages ?? 0
        precondition(acknowledge || stored == messages, "stored \(stored) of \(messages)")
        precondition(!acknowledge || stored <= 2 * 50_000, "kept \(stored) acknowledged messages")
        return (before, residentBytes(), stored)
    }

    /// User + system CPU seconds used by this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// User + system CPU seconds used so far by process `pid` (from /proc/<pid>/stat, in clock ticks).
    static func childCPUSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime field 14, stime field 15 (1-based over the whole line).
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmRSS of this process, in bytes.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    /// pulsar-lite 0.2.0 ignores SIGTERM and SIGINT: only SIGKILL stops it.
    static func stopPulsarLite(_ process: Process) async {
        kill(process.processIdentifier, SIGKILL)
        _ = try? await ChildProcess.exitStatus(of: process)
    }

    static func runLoad(python: String, script: String, url: String, messages: String) async throws -> [String: Double] {
        let (status, data) = try await ChildProcess.run(python, [script, url, "--messages", messages])
        guard status == 0,
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Double] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "load generator failed against \(url)"])
        }
        return json
    }

    static func startPulsarLite(python: String) async throws -> (process: Process, url: String)? {
        let (status, output) = try await ChildProcess.run(python, [
            "-c", "import pulsar_lite, os; print(os.path.join(os.path.dirname(pulsar_lite.__file__), 'bin', 'pulsar-lite'))"])
        let binary = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0, FileManager.default.isExecutableFile(atPath: binary) else { return nil }
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        let port = listener.localAddress.port
        listener.close()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pulsar-lite-bench-\(port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("pulsar-lite.toml")
        try "[metrics]\nenabled = false\n".write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--config", config.path, "--addr", "127.0.0.1:\(port)",
                             "--db-path", directory.appendingPathComponent("db").path, "--log-level", "error"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 {
            if let probe = try? await TCPConnection.connect(host: "127.0.0.1", port: port, timeout: .milliseconds(200)) {
                probe.close()
                return (process, "pulsar://127.0.0.1:\(port)")
            }
            try await Task.sleep(for: .milliseconds(25))  // polling a child process's port: there is no event to await
        }
        await stopPulsarLite(process)
        return nil
    }

    static func report(emulator: [String: Double], pulsarLite: [String: Double]) {
        let widths = [28, 14, 14, 10]
        say(row(["official Python client", "emulator", "pulsar-lite", "ratio"], widths: widths))
        for (key, label, higherIsBetter) in [("produce_msgs_per_s", "produce (msg/s)", true),
                                             ("consume_ack_msgs_per_s", "consume+ack (msg/s)", true),
                                             ("end_to_end_msgs_per_s", "end-to-end (msg/s)", true),
                                             ("roundtrip_p50_us", "round trip p50 (µs)", false),
                                             ("roundtrip_p99_us", "round trip p99 (µs)", false),
                                             ("broker_cpu_s", "broker CPU for the run (s)", false)] {
            let ours = emulator[key] ?? 0, theirs = pulsarLite[key] ?? 0
            let ratio = theirs > 0 ? ours / theirs : 0
            let digits = key == "broker_cpu_s" ? 2 : 0
            say(row([label, format(ours, digits), format(theirs, digits), format(ratio, 2) + "x"], widths: widths)
                  + (higherIsBetter ? "" : "  (lower is better)"))
        }
        say("(the throughput rows are bound by the Python client itself; broker CPU compares the brokers' own cost)")
    }

    static func packageRoot() -> URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }
}

