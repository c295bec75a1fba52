#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `pulsar-emulator <level> <message>` lines to standard error, above a configured level.
struct EmulatorLogger: Sendable {
    let level: EmulatorConfiguration.LogLevel

    func log(_ messageLevel: EmulatorConfiguration.LogLevel, _ message: @autoclosure () -> String) {
        guard messageLevel >= level, level != .off else { return }
        var line = "pulsar-emulator \(messageLevel) \(message())\n"
        line.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }

    func trace(_ message: @autoclosure () -> String) { log(.trace, message()) }
    func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
}
