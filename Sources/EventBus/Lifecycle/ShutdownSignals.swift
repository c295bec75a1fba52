import PulsarSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for the signals that end a service (SIGINT, SIGTERM, SIGHUP, like Coze Studio's `signal.WaitExit`) without
/// blocking a thread. The signals are caught from the moment this is created: create it early, await it late.
///
/// ```swift
/// let signals = ShutdownSignals()                   // before the service starts its work
/// let bus = try PulsarEventBus.fromEnvironment()
/// // … producers, registrations …
/// let signal = await signals.wait()
/// await bus.shutdown(deadline: .seconds(10))
/// ```
/// Creating it replaces the default action of those signals (ending the process at once). A signal, once received,
/// stays received: later waits return at once.
public final class ShutdownSignals: Sendable {
    /// The signals Coze Studio's services stop on.
    public static let defaultSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    private let signals: TerminationSignals

    /// Starts catching `signals`.
    public init(_ signals: [Int32] = ShutdownSignals.defaultSignals) {
        self.signals = TerminationSignals(signals)
    }

    /// Suspends until one of the signals arrives and returns its number (at once if one already has).
    @discardableResult
    public func wait() async -> Int32 {
        await signals.wait()
    }
}

extension PulsarEventBus {
    /// Waits for SIGINT, SIGTERM or SIGHUP (caught from `signals`' creation), then shuts the bus down (see
    /// ``shutdown(deadline:)``). Returns the signal.
    @discardableResult
    public func shutdown(on signals: ShutdownSignals, deadline: Duration = .seconds(30)) async -> Int32 {
        let signal = await signals.wait()
        configuration.logger.info("EventBus: signal \(signal) received; shutting down")
        await shutdown(deadline: deadline)
        return signal
    }
}
