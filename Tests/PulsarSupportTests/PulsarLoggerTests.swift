#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PulsarSupport
import Synchronization
import Testing

@Suite("Logger", .timeLimit(.minutes(1)))
struct PulsarLoggerTests {
    @Test("a logger passes lines at its level and above to its sink, and nothing when off")
    func filtersByLevel() {
        let lines = Mutex<[String]>([])
        var logger = PulsarLogger(level: .info) { level, line in lines.withLock { $0.append("\(level) \(line)") } }
        logger.trace("t")
        logger.debug("d")
        logger.info("i")
        logger.warning("w")
        logger.error("e")
        logger.level = .off
        logger.error("after off")
        #expect(lines.withLock { $0 } == ["info i", "warning w", "error e"])
    }

    @Test("a message below the level is never built")
    func messagesBelowTheLevelAreNotBuilt() {
        let logger = PulsarLogger(level: .warning) { _, _ in }
        logger.debug({ () -> String in Issue.record("built a debug message at level warning"); return "" }())
    }

    @Test("level names parse as the command line and the broker spell them")
    func levelNames() {
        #expect(PulsarLogger.Level(name: "WARN") == .warning)
        #expect(PulsarLogger.Level(name: "warning") == .warning)
        #expect(PulsarLogger.Level(name: "none") == .off)
        #expect(PulsarLogger.Level(name: "Trace") == .trace)
        #expect(PulsarLogger.Level(name: "loud") == nil)
        #expect(PulsarLogger.Level.allCases.sorted() == PulsarLogger.Level.allCases)
    }
}
