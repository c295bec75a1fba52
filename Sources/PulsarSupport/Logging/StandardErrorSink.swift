import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard error behind a serial queue of its own, with at most ``maxPending`` lines waiting: beyond that, lines are
/// dropped and counted, and the count is written once the stream takes bytes again.
///
/// Writing never blocks the caller: a standard error nobody reads (a full pipe) would otherwise stall the threads
/// that serve connections, and a peer that provokes a warning per frame could freeze a process that way.
package final class StandardErrorSink: Sendable {
    /// Lines that may wait for standard error before new ones are dropped.
    package static let maxPending = 1_000

    private let queue: DispatchQueue
    private let pending = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let descriptor: Int32
    private let label: String

    /// A sink writing to `descriptor` (standard error by default); `label` starts the line that counts dropped lines.
    package init(label: String, descriptor: Int32 = 2) {
        self.descriptor = descriptor
        self.label = label
        queue = DispatchQueue(label: "\(label).log")
    }

    /// Queues one line; never blocks.
    package func write(_ line: String) {
        guard pending.add(1, ordering: .relaxed).newValue <= Self.maxPending else {
            pending.subtract(1, ordering: .relaxed)
            dropped.add(1, ordering: .relaxed)
            return
        }
        queue.async { [self] in
            let lost = dropped.exchange(0, ordering: .relaxed)
            if lost > 0 {
                writeAll("\(label) warning \(lost) log lines dropped: standard error was not being read\n")
            }
            writeAll(line)
            pending.subtract(1, ordering: .relaxed)
        }
    }

    /// Waits until what is queued has been written, or `timeout` has passed (standard error may be blocked). Suspends;
    /// never blocks a thread.
    package func flush(timeout: Duration = .seconds(2)) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = ResumeOnce(continuation)
            let timer = Task {
                try? await Task.sleep(for: timeout)
                once.resume()
            }
            queue.async {
                once.resume()
                timer.cancel()
            }
        }
    }

    private func writeAll(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = writeBytes(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}

/// `write(2)` under one name on both platforms.
private func writeBytes(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
    #else
    Darwin.write(descriptor, bytes, count)
    #endif
}

/// Resumes a continuation the first time it is asked to; later calls do nothing.
private final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<Void, Never>?>

    init(_ continuation: CheckedContinuation<Void, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume() {
        continuation.withLock { $0.take() }?.resume()
    }
}
