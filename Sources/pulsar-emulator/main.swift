// pulsar-emulator: run the in-memory Pulsar emulator, create keys and tokens, or run a fault proxy. Wiring only: the flags are parsed in
// RunOptions.swift and TokensCommand.swift, everything else lives in PulsarEmulator and PulsarAuth.
import PulsarEmulator
import PulsarSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "tokens" { TokensCommand.run(Array(arguments.dropFirst())) }
if arguments.first == "proxy" { await ProxyCommand.run(Array(arguments.dropFirst())) }

let configuration = parseRunConfiguration(arguments)
let signals = TerminationSignals([SIGINT, SIGTERM])  // caught before the ready line is printed
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
_ = await signals.wait()
await emulator.shutdown()
printError("pulsar-emulator stopped")
