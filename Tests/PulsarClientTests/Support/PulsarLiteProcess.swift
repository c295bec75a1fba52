import Foundation
import PulsarNet

/// A pulsar-lite broker (PyPI `pulsar-lite`, a third-party Rust implementation of the Pulsar protocol) in a child
/// process on a free loopback port, with its metrics endpoint disabled and its storage in a temporary directory.
final class PulsarLiteProcess: Sendable {
    let port: Int
    let directory: URL
    private let process: Process

    var serviceURL: String { "pulsar://127.0.0.1:\(port)" }

    /// Runs the broker as a child of a small Python watchdog that kills it when the test process goes away (even
    /// when the test run is killed) or when the watchdog gets SIGTERM.
    static let watchdog = """
        import os, signal, subprocess, sys, time
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])  # the spawning thread may have blocked it
        child = subprocess.Popen(sys.argv[1:])
        def stop(*_):
            child.kill()
            child.wait()
            sys.exit(0)
        signal.signal(signal.SIGTERM, stop)
        parent = os.getppid()
        while child.poll() is None:
            if os.getppid() != parent:
                stop()
            time.sleep(0.1)
        sys.exit(child.returncode)
        """

    /// The python of `$PULSARKIT_PYTHON`.
    static var python: String? { ProcessInfo.processInfo.environment["PULSARKIT_PYTHON"] }

    /// The binary inside the venv of `$PULSARKIT_PYTHON`, or nil (with the reason) when unavailable.
    static func binary() -> (path: String?, reason: String) {
        guard let python = ProcessInfo.processInfo.environment["PULSARKIT_PYTHON"], !python.isEmpty else {
            return (nil, "PULSARKIT_PYTHON is not set (scripts/test sets it to the interop venv's python)")
        }
        let venv = URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent()
        let lib = venv.appendingPathComponent("lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        for version in versions where version.hasPrefix("python") {
            let candidate = lib.appendingPathComponent(version).appendingPathComponent("site-packages/pulsar_lite/bin/pulsar-lite")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return (candidate.path, "") }
        }
        return (nil, "pulsar-lite is not installed in the venv of \(python)")
    }

    /// Starts pulsar-lite with `settings` (top-level keys of pulsar-lite.toml) and waits until it accepts connections.
    ///
    /// The free port is found by binding port 0 and closing it, so another test binding port 0 meanwhile can take it;
    /// pulsar-lite then exits at once with AddrInUse, and is started again on another port (up to 5 times).
    init(binary: String, settings: [String: String] = [:]) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pulsar-lite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var toml = settings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
        toml += ["", "[metrics]", "enabled = false", ""]
        try toml.joined(separator: "\n").write(to: directory.appendingPathComponent("pulsar-lite.toml"), atomically: true, encoding: .utf8)
        var attempt = 1
        while true {
            let port = try Self.freePort()
            let process = try Self.launch(binary: binary, directory: directory, port: port)
            switch await Self.waitUntilListening(process, port: port) {
            case .listening:
                self.port = port
                self.process = process
                return
            case .exited where attempt < 5, .timedOut where attempt < 3:
                // Exited: another test took the probed port. Timed out: a loaded machine; try a fresh port.
                await Self.stop(process)
                attempt += 1
                continue
            case .exited, .timedOut:
                await Self.stop(process)
                try? FileManager.default.removeItem(at: directory)
                throw LiteError(message: "pulsar-lite did not start on port \(port) (attempt \(attempt))")
            }
        }
    }

    private static func launch(binary: String, directory: URL, port: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python ?? "/usr/bin/python3")
        process.arguments = ["-c", Self.watchdog, binary, "--config", directory.appendingPathComponent("pulsar-lite.toml").path,
                             "--addr", "127.0.0.1:\(port)", "--db-path", directory.appendingPathComponent("db").path,
                             "--log-level", "error"]
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private enum StartOutcome { case listening, exited, timedOut }

    private static func waitUntilListening(_ process: Process, port: Int) async -> StartOutcome {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            if let connection = try? await TCPConnection.connect(host: "127.0.0.1", port: port, timeout: .milliseconds(200)) {
                connection.close()
                return .listening
            }
            guard process.isRunning else { return .exited }
            guard ContinuousClock.now < deadline else { return .timedOut }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Stops the broker (the watchdog kills it on SIGTERM; its storage is thrown away, so nothing needs a graceful
    /// shutdown) and deletes its storage. Polls instead of `waitUntilExit`, which can block forever outside a run
    /// loop on Linux.
    func stop() async {
        await Self.stop(process)
        try? FileManager.default.removeItem(at: directory)
    }

    private static func stop(_ process: Process) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    private static func freePort() throws -> Int {
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        return listener.localAddress.port
    }

    struct LiteError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
