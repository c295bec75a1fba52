#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
import PulsarSupport

@Suite("Standard error sink", .timeLimit(.minutes(1)))
struct StandardErrorSinkTests {
    @Test("writing to a standard error nobody reads never blocks; what is dropped is counted once it drains")
    func fullPipeNeverBlocks() async throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        defer { close(descriptors[0]) }
        let sink = StandardErrorSink(label: "test", descriptor: descriptors[1])
        let line = String(repeating: "x", count: 200) + "\n"
        // 1 MB into a 64 KiB pipe that nobody reads yet: before the sink, the first full pipe blocked the writer.
        for _ in 0..<5_000 { sink.write(line) }
        _ = fcntl(descriptors[0], F_SETFL, fcntl(descriptors[0], F_GETFL) | O_NONBLOCK)
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = ContinuousClock.now + .seconds(30)
        while !text.contains("log lines dropped"), ContinuousClock.now < deadline {
            let count = read(descriptors[0], &buffer, buffer.count)
            if count > 0 {
                text += String(decoding: buffer[..<count], as: UTF8.self)
            } else {
                sink.write(line)  // the count of dropped lines is written before the next line
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        #expect(text.contains("log lines dropped: standard error was not being read"))
        // Drain the rest while the sink flushes, so no write is left for a closed pipe.
        let flushed = Atomic(false)
        let flush = Task {
            await sink.flush(timeout: .seconds(30))
            flushed.store(true, ordering: .releasing)
        }
        while !flushed.load(ordering: .acquiring) {
            if read(descriptors[0], &buffer, buffer.count) <= 0 { try await Task.sleep(for: .milliseconds(2)) }
        }
        await flush.value
        close(descriptors[1])
    }
}
