// pulsar-emulator: run the in-memory Pulsar emulator. Wiring only; everything else lives in PulsarEmulator.
import Dispatch
import PulsarEmulator
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
    usage: pulsar-emulator [run] [options]

    Runs an in-memory Apache Pulsar broker speaking the binary protocol.

    options:
      --host HOST                  interface to listen on (default 127.0.0.1)
      --port PORT                  port; 0 picks a free one (default 6650)
      --advertised-address ADDR    host[:port] announced in LOOKUP answers (default: the bound address)
      --admin-port PORT|off        admin REST API and /metrics over HTTP; 0 picks a free port (default 8080)
      --admin-host HOST            interface for the admin port (default: --host)
      --max-message-size BYTES     largest accepted message (default 5242880)
      --keep-alive-seconds N       ping idle connections after N seconds, close after 2N (default 30)
      --no-auto-topic-creation     refuse producers and consumers on topics that do not exist
      --auto-partitions N          auto-create partitioned topics with N partitions (default 0: non-partitioned)
      --partitioned-topic NAME:N   create a partitioned topic at start (repeatable)
      --deduplication              acknowledge repeated sequence ids without storing them again
      --retention POLICY           until-acknowledged (default), forever, or entries:N
      --manual-clock               time moves only through POST /pulsarkit/clock/advance?ms=N (needs the admin port)
      --log-level LEVEL            trace, debug, info, warn, error or off (default info)
      -h, --help                   show this help

    Prints one line `pulsar-emulator ready <serviceURL>` once it accepts connections, then (unless the admin port is
    off) a line `pulsar-emulator admin <adminURL>`; stops on SIGINT or SIGTERM.
    """

/// Writes `text` to standard error.
func printError(_ text: String) {
    var text = text + "\n"
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

func fail(_ message: String) -> Never {
    printError("pulsar-emulator: \(message)\n\(usage)")
    exit(2)
}

func parseConfiguration(_ arguments: [String]) -> EmulatorConfiguration {
    var configuration = EmulatorConfiguration()
    configuration.port = 6650
    configuration.adminPort = 8080
    configuration.logLevel = .info
    var iterator = arguments.makeIterator()
    func value(_ flag: String) -> String {
        guard let value = iterator.next() else { fail("\(flag) needs a value") }
        return value
    }
    while let argument = iterator.next() {
        switch argument {
        case "run": continue
        case "-h", "--help":
            print(usage)
            exit(0)
        case "--host": configuration.host = value(argument)
        case "--port":
            guard let port = Int(value(argument)), (0...65535).contains(port) else { fail("--port needs 0...65535") }
            configuration.port = port
        case "--advertised-address": configuration.advertisedAddress = value(argument)
        case "--admin-port":
            let text = value(argument)
            if ["off", "none"].contains(text.lowercased()) {
                configuration.adminPort = nil
            } else {
                guard let port = Int(text), (0...65535).contains(port) else { fail("--admin-port needs 0...65535 or off") }
                configuration.adminPort = port
            }
        case "--admin-host": configuration.adminHost = value(argument)
        case "--max-message-size":
            guard let size = Int(value(argument)), size > 0 else { fail("--max-message-size needs a positive number") }
            configuration.maxMessageSize = size
        case "--keep-alive-seconds":
            guard let seconds = Int(value(argument)), seconds > 0 else { fail("--keep-alive-seconds needs a positive number") }
            configuration.keepAliveInterval = .seconds(seconds)
        case "--no-auto-topic-creation": configuration.allowAutoTopicCreation = false
        case "--auto-partitions":
            guard let partitions = Int(value(argument)), partitions >= 0 else { fail("--auto-partitions needs a number >= 0") }
            configuration.autoTopicCreationPartitions = partitions
        case "--partitioned-topic":
            let spec = value(argument)
            guard let colon = spec.lastIndex(of: ":"), let partitions = Int(spec[spec.index(after: colon)...]), partitions > 0
            else { fail("--partitioned-topic needs NAME:PARTITIONS") }
            configuration.partitionedTopics[String(spec[..<colon])] = partitions
        case "--deduplication": configuration.deduplication = true
        case "--retention":
            let policy = value(argument)
            switch policy {
            case "until-acknowledged": configuration.retention = .untilAcknowledged
            case "forever": configuration.retention = .forever
            default:
                guard policy.hasPrefix("entries:"), let entries = Int(policy.dropFirst("entries:".count)), entries >= 0 else {
                    fail("--retention needs until-acknowledged, forever or entries:N")
                }
                configuration.retention = .limits(entries: entries, age: nil)
            }
        case "--manual-clock": configuration.clock = ManualClock()
        case "--log-level":
            let name = value(argument)
            guard let level = EmulatorConfiguration.LogLevel(name: name) else { fail("unknown log level '\(name)'") }
            configuration.logLevel = level
        default: fail("unknown argument '\(argument)'")
        }
    }
    return configuration
}

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

let configuration = parseConfiguration(Array(CommandLine.arguments.dropFirst()))
let signals = TerminationSignals()
let emulator: PulsarEmulator
do {
    emulator = try await PulsarEmulator.start(configuration)
} catch {
    let admin = configuration.adminPort.map { " (admin HTTP \(configuration.adminHost ?? configuration.host):\($0))" } ?? ""
    printError("pulsar-emulator: cannot listen on \(configuration.host):\(configuration.port)\(admin): \(error)")
    exit(1)
}
// One line, written straight to the file descriptor so a parent process reading a pipe sees it at once.
var readyLine = "pulsar-emulator ready \(emulator.serviceURL)\n"
if let adminURL = emulator.adminURL { readyLine += "pulsar-emulator admin \(adminURL)\n" }
readyLine.withUTF8 { bytes in _ = write(1, bytes.baseAddress, bytes.count) }
await signals.wait()
await emulator.shutdown()
printError("pulsar-emulator stopped")
