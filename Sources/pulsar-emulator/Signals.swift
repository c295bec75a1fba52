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
final class TerminationSignals: @unchecked Sendable {  // sources are set once in init, state is a Mutex
    private struct State {
        var received = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let sources: [any DispatchSourceSignal]
    private let state = Mutex(State())

    init() {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let queue = DispatchQueue(label: "pulsar-emulator.signals")
        sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
        install()
    }

    private func install() {
        for source in sources {
            source.setEventHandler { [self] in
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    state.received = true
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
            source.resume()
        }
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
