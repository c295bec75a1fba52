#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// pulsar-bench: where PulsarKit's performance figures come from. Run in release:
//   swift run -c release pulsar-bench wire
let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
    usage: pulsar-bench <suite> [options]
      wire       codec: SEND / MESSAGE decode and encode (100 B and 10 KiB payloads), CRC32C throughput
      emulator   start-up time, RSS with retained messages, official Python client vs pulsar-lite
                 [--messages N] [--retained N] [--python PATH]  (PATH defaults to $PULSARKIT_PYTHON)
    """

switch arguments.first {
case "wire":
    WireBenchmark.run(arguments: Array(arguments.dropFirst()))
case "emulator":
    try await EmulatorBenchmark.run(arguments: Array(arguments.dropFirst()))
default:
    say(usage)
    if let name = arguments.first, name != "help", name != "--help" {
        say("unknown suite '\(name)'")
        exit(2)
    }
}
