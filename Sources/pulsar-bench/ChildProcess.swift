import Foundation

/// Child processes (load generators, pulsar-lite) without blocking a thread of the cooperative pool: output is read
/// on a thread of its own, and the exit is awaited by polling `isRunning` (Foundation's `waitUntilExit` blocks, and
/// can block for ever outside a run loop on Linux).
enum ChildProcess {
    /// Runs `executable` to its end; returns its exit status and everything it wrote to standard output.
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(600)) async throws
        -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = await readToEnd(output.fileHandleForReading)
        return (try await exitStatus(of: process, timeout: timeout), data)
    }

    /// Everything `handle` yields until end of file, read on a thread of its own.
    static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: (try? handle.readToEnd()) ?? Data()) }.start()
        }
    }

    /// Suspends until `process` has exited and returns its status; kills it (SIGKILL) after `timeout`.
    static func exitStatus(of process: Process, timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill(process.processIdentifier, SIGKILL)
                throw BenchError("\(process.executableURL?.lastPathComponent ?? "a child process") did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationStatus
    }
}
