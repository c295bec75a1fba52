// Waiting for termination signals (SIGINT, SIGTERM, SIGHUP …) without blocking a thread.
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Termination signals, caught from the moment this is created, awaited without blocking a thread.
///
/// A plain signal handler writes the signal's number to a pipe and a dispatch read source on that pipe wakes the
/// waiters. (A dispatch *signal* source is not used: on Linux it reads a signalfd, and a signal the kernel hands to a
/// thread that does not block it, such as the main thread parked by the concurrency runtime, never reaches that
/// signalfd, so about one SIGTERM in a few hundred was lost on a busy machine.)
///
/// A signal, once received, stays received: every later ``wait()`` for it returns at once (the process is ending).
package final class TerminationSignals: Sendable {
    /// The signals this instance waits for.
    package let signals: Set<Int32>

    /// Installs the handler for `signals` (replacing their default action, which would end the process).
    package init(_ signals: [Int32]) {
        self.signals = Set(signals)
        SignalHub.shared.install(signals)
    }

    /// Suspends until one of the signals arrives and returns it (at once if one already has).
    package func wait() async -> Int32 {
        await SignalHub.shared.wait(for: signals)
    }
}

/// The one pipe, read source and record of received signals the process has.
private final class SignalHub: @unchecked Sendable {  // `source` is set once in init; the rest is in the Mutex
    static let shared = SignalHub()

    private struct Waiter {
        var signals: Set<Int32>
        var continuation: CheckedContinuation<Int32, Never>
    }

    private struct State {
        var installed: Set<Int32> = []
        var received: [Int32] = []
        var waiters: [Waiter] = []
    }

    private let source: any DispatchSourceRead
    private let state = Mutex(State())

    private init() {
        let pipe = signalPipe  // created before any handler can run
        source = DispatchSource.makeReadSource(fileDescriptor: pipe.read, queue: DispatchQueue(label: "PulsarKit.signals"))
        source.setEventHandler { [self] in
            var bytes = [UInt8](repeating: 0, count: 16)
            let count = read(pipe.read, &bytes, bytes.count)
            guard count > 0 else { return }
            for byte in bytes.prefix(count) { deliver(Int32(byte)) }
        }
        source.resume()
    }

    func install(_ signals: [Int32]) {
        let new = state.withLock { state in signals.filter { state.installed.insert($0).inserted } }
        for number in new { signal(number, noteTerminationSignal) }
    }

    func wait(for signals: Set<Int32>) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let already = state.withLock { state -> Int32? in
                if let first = state.received.first(where: signals.contains) { return first }
                state.waiters.append(Waiter(signals: signals, continuation: continuation))
                return nil
            }
            if let already { continuation.resume(returning: already) }
        }
    }

    private func deliver(_ number: Int32) {
        let woken = state.withLock { state -> [CheckedContinuation<Int32, Never>] in
            if !state.received.contains(number) { state.received.append(number) }
            let matching = state.waiters.filter { $0.signals.contains(number) }.map(\.continuation)
            state.waiters.removeAll { $0.signals.contains(number) }
            return matching
        }
        for continuation in woken { continuation.resume(returning: number) }
    }
}

/// The pipe the signal handler writes to: non-blocking, close-on-exec; created once, before a handler is installed.
private let signalPipe: (read: Int32, write: Int32) = {
    var descriptors: [Int32] = [-1, -1]
    guard pipe(&descriptors) == 0 else { fatalError("PulsarKit: cannot create the signal pipe (errno \(errno))") }
    for descriptor in descriptors {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }
    return (descriptors[0], descriptors[1])
}()

/// The signal handler: async-signal-safe, it only writes the signal's number (a full pipe already holds a wake-up).
private func noteTerminationSignal(_ signal: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipe.write, &byte, 1)
    errno = savedErrno
}
