import Foundation
import Synchronization
import Testing
@testable import PulsarClient

/// A token file is read on a thread of its own: a read that blocks (a network mount, a FIFO) never holds a thread of
/// the cooperative pool.
@Suite("Token files", .timeLimit(.minutes(1)))
struct TokenFileTests {
    @Test func aTokenFileIsReadTrimmed() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try " the-token \n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try await Authentication.tokenFile(file.path).credentials() == Array("the-token".utf8))
        let missing = await #expect(throws: PulsarClientError.self) {
            try await Authentication.tokenFile(file.path + "-missing").credentials()
        }
        #expect(missing?.code == .authentication)
        #expect(missing?.message.contains("No such file or directory") == true)
    }

    @Test func aTokenFileLargerThanTheLimitIsRefusedWithItsReason() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(count: TokenFile.maximumSize + 1).write(to: file)
        let tooLarge = await #expect(throws: PulsarClientError.self) {
            try await Authentication.tokenFile(file.path).credentials()
        }
        #expect(tooLarge?.code == .authentication)
        #expect(tooLarge?.message.contains("larger than \(TokenFile.maximumSize) bytes") == true)
    }

    /// More token files than the pool has threads, each a FIFO whose read blocks until this test (on the pool) writes
    /// the token. Read on the pool, the reads would starve it and the writes could never happen; a watchdog thread
    /// then ends the reads with an empty file from 20 s on, so the test fails instead of hanging.
    @Test func blockingTokenReadsLeaveTheCooperativePoolFree() async throws {
        let count = ProcessInfo.processInfo.activeProcessorCount + 2
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let paths = (0..<count).map { folder.appendingPathComponent("token-\($0)").path }
        for path in paths { try #require(mkfifo(path, 0o600) == 0) }
        let watchdog = FIFOWatchdog(paths: paths, after: .seconds(20))
        defer { watchdog.stop() }

        let tokens = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for (index, path) in paths.enumerated() {
                group.addTask { (index, try await Authentication.tokenFile(path).credentials()) }
            }
            for (index, path) in paths.enumerated() {
                try #require(try await FIFOWatchdog.write("token-\(index)\n", to: path, within: .seconds(20)))
            }
            return try await group.reduce(into: [Int: [UInt8]]()) { $0[$1.0] = $1.1 }
        }
        #expect(!watchdog.fired, "the watchdog had to end the reads: they held the pool")
        for index in 0..<count { #expect(tokens[index] == Array("token-\(index)".utf8)) }
    }
}

/// Ends blocked FIFO reads from a thread of its own (a writer that opens and closes each FIFO gives its reader an
/// empty file) from `limit` on, until the test stops it.
final class FIFOWatchdog: Sendable {
    private let stopped = Atomic(false)
    private let hasFired = Atomic(false)

    init(paths: [String], after limit: Duration) {
        Thread.detachNewThread { [self] in
            let deadline = ContinuousClock.now + limit
            while !stopped.load(ordering: .acquiring) {
                usleep(10_000)
                guard ContinuousClock.now >= deadline else { continue }
                // Until stopped: readers that start once others were released block again and need releasing too.
                hasFired.store(true, ordering: .releasing)
                for path in paths {
                    let fd = open(path, O_WRONLY | O_NONBLOCK)
                    if fd >= 0 { close(fd) }
                }
            }
        }
    }

    /// Whether the watchdog had to end the reads.
    var fired: Bool { hasFired.load(ordering: .acquiring) }

    func stop() { stopped.store(true, ordering: .releasing) }

    /// Writes `text` to the FIFO at `path` once a reader has opened it, polling without blocking; false if no reader
    /// came within `limit`.
    static func write(_ text: String, to path: String, within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let fd = open(path, O_WRONLY | O_NONBLOCK)
            if fd >= 0 {
                defer { close(fd) }
                let bytes = Array(text.utf8)
                return Foundation.write(fd, bytes, bytes.count) == bytes.count
            }
            guard errno == ENXIO else { return false }  // ENXIO: no reader yet
            try await Task.sleep(for: .milliseconds(2))
        }
        return false
    }
}
