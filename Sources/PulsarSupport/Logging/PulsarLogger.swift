/// Where the log lines of the client and of the emulator go, and how many of them.
///
/// ``standardError(label:level:)`` writes `<label> <level> <message>` lines to standard error without ever blocking
/// the caller; ``init(level:sink:)`` hands each line to a function of your own instead.
public struct PulsarLogger: Sendable {
    /// Log severity, most verbose first.
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        /// Every frame (the emulator only).
        case trace
        /// Connections, producers, consumers coming and going.
        case debug
        /// Start, stop and notable events: reconnects, redirects.
        case info
        /// Something went wrong and was handled: a refused request, a corrupt message skipped, a connection lost.
        case warning
        /// Something failed for good.
        case error
        /// Nothing.
        case off

        /// Parses `trace`, `debug`, `info`, `warn`/`warning`, `error`, `off`/`none` (any case).
        public init?(name: String) {
            switch name.lowercased() {
            case "trace": self = .trace
            case "debug": self = .debug
            case "info": self = .info
            case "warn", "warning": self = .warning
            case "error": self = .error
            case "off", "none": self = .off
            default: return nil
            }
        }

        /// Orders by verbosity.
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The least severe level that is logged.
    public var level: Level
    private let sink: @Sendable (Level, String) -> Void
    private let standardErrorSink: StandardErrorSink?

    /// A logger calling `sink` for each line at `level` or above.
    public init(level: Level, sink: @escaping @Sendable (Level, String) -> Void) {
        self.level = level
        self.sink = sink
        standardErrorSink = nil
    }

    private init(level: Level, label: String, standardError: StandardErrorSink) {
        self.level = level
        sink = { level, line in standardError.write("\(label) \(level) \(line)\n") }
        standardErrorSink = standardError
    }

    /// Lines at `level` or above to standard error as `<label> <level> <message>`, e.g.
    /// `PulsarClient warning producer on … lost its connection`. Writing never blocks: a standard error nobody reads
    /// drops lines (and says how many once it drains) rather than stalling the threads that log.
    public static func standardError(label: String, level: Level = .warning) -> PulsarLogger {
        PulsarLogger(level: level, label: label, standardError: StandardErrorSink(label: label))
    }

    /// Nothing.
    public static let silent = PulsarLogger(level: .off) { _, _ in }

    /// Logs `message` if `level` is at or above this logger's level.
    package func log(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= self.level, self.level != .off, level != .off else { return }
        sink(level, message())
    }

    /// Logs at ``Level/trace``.
    package func trace(_ message: @autoclosure () -> String) { log(.trace, message()) }
    /// Logs at ``Level/debug``.
    package func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    /// Logs at ``Level/info``.
    package func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    /// Logs at ``Level/warning``.
    package func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    /// Logs at ``Level/error``.
    package func error(_ message: @autoclosure () -> String) { log(.error, message()) }

    /// Waits until the lines queued for standard error are written, or `timeout` has passed (standard error may be
    /// blocked). Returns at once for a logger with a sink of its own. Suspends; never blocks a thread.
    package func flush(timeout: Duration = .seconds(2)) async {
        await standardErrorSink?.flush(timeout: timeout)
    }
}
