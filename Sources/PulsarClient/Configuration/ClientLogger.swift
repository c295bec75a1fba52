#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the client's log lines go, and how many of them.
public struct ClientLogger: Sendable {
    /// Log severity, most verbose first.
    public enum Level: Int, Sendable, Comparable {
        /// Connections, producers, consumers coming and going.
        case debug
        /// Notable events: reconnects, redirects.
        case info
        /// Something went wrong and was handled (a corrupt message skipped, a connection lost).
        case warning
        /// Something failed for good.
        case error
        /// Nothing.
        case off

        /// Orders by verbosity.
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The least severe level that is logged.
    public var level: Level
    let sink: @Sendable (Level, String) -> Void

    /// A logger calling `sink` for each line at `level` or above.
    public init(level: Level, sink: @escaping @Sendable (Level, String) -> Void) {
        self.level = level
        self.sink = sink
    }

    /// Warnings and errors to standard error.
    public static let standardError = ClientLogger(level: .warning) { level, line in
        var text = "[PulsarClient] \(level): \(line)\n"
        text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }

    /// Nothing.
    public static let silent = ClientLogger(level: .off) { _, _ in }

    func log(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= self.level, self.level != .off else { return }
        sink(level, message())
    }

    func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    func error(_ message: @autoclosure () -> String) { log(.error, message()) }
}
