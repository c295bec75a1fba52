// SIGINT / SIGTERM handling for `pulsar-emulator run`.
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM, caught from the moment this is created (before the ready line is printed), so a parent that
/// stops the emulator right after it started still gets a clean shutdown.
///
/// A plain signal handler writes a byte to a pipe and a dispatch read source on that pipe wakes the waiter. (A
/// dispatch *signal* source is not used: on Linux it reads a signalfd, and a signal the kernel hands to a thread that
/// does not block it, such as the main thread parked by the concurrency runtime, never reaches that signalfd, so
/// about one SIGTERM in a few hundred was lost on a busy machine.)
final class TerminationSignals: @unchecked Sendable {  // the source is set once in init, state is a Mutex
    private struct State {
        var received = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let source: any DispatchSourceRead
    private let state = Mutex(State())

    init() {
        let pipe = signalPipe  // created before the handler can run
        let source = DispatchSource.makeReadSource(fileDescriptor: pipe.read,
                                                   queue: DispatchQueue(label: "pulsar-emulator.signals"))
        self.source = source
        source.setEventHandler { [self] in
            var bytes = [UInt8](repeating: 0, count: 16)
            guard read(pipe.read, &bytes, bytes.count) > 0 else { return }
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.received = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
        source.resume()
        signal(SIGINT, noteTerminationSignal)
        signal(SIGTERM, noteTerminationSignal)
    }

    /// Suspends until one of the signals arrives (returns at once if one already has).
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyReceived = state.withLock { state -> Bool in
                if !state.received { state.waiter = continuation }
                return state.received
            }
            if alreadyReceived { continuation.resume() }
        }
    }
}

/// The pipe the signal handler writes to: non-blocking, close-on-exec; created once, before the handler is installed.
private let signalPipe: (read: Int32, write: Int32) = {
    var descriptors: [Int32] = [-1, -1]
    guard pipe(&descriptors) == 0 else { fatalError("pulsar-emulator: cannot create the signal pipe (errno \(errno))") }
    for descriptor in descriptors {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }
    return (descriptors[0], descriptors[1])
}()

/// The signal handler: async-signal-safe, it only writes one byte (a full pipe already holds a wake-up).
private func noteTerminationSignal(_ signal: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipe.write, &byte, 1)
    errno = savedErrno
}
