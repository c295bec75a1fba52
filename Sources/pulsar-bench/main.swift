#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// pulsar-bench: where PulsarKit's performance figures come from. Run in release:
//   swift run -c release pulsar-bench wire
//   swift run -c release pulsar-bench client   (PULSARKIT_PYTHON set for the Python comparison)
//   swift run -c release pulsar-bench hermetic
let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
    usage: pulsar-bench <suite> [options]
      wire       codec: SEND / MESSAGE decode and encode (100 B and 10 KiB payloads), CRC32C throughput
      emulator   start-up time, RSS with retained messages, official Python client vs pulsar-lite
                 [--messages N] [--retained N] [--python PATH]  (PATH defaults to $PULSARKIT_PYTHON)
      client     the Swift client against the in-process emulator over loopback TCP: batched produce, consume + ack,
                 end to end, sync round trips; and the official Python client against the same emulator
                 options: --messages N (500000) --size BYTES (100) --round-trips N (5000) --python PATH --python-script PATH
      hermetic   one PulsarTesting test's whole life (harness up, register, send, handle, ack, tear down), and a 60 s
                 nack redelivery under runUntilIdle(); median and p99 of real time
                 options: --runs N (1000) --nack-runs N (200)
      chaos      random fault schedules on the EventBus, each history checked; prints failing seeds and schedules/min
                 options: --runs N (1000) --seed S (1) --parallel P (4)
      scenario   one scenario file (Fixtures/scenarios/*.json) on the EventBus: FILE [--seed S]
    """

switch arguments.first {
case "wire":
    WireBenchmark.run(arguments: Array(arguments.dropFirst()))
case "emulator":
    try await EmulatorBenchmark.run(arguments: Array(arguments.dropFirst()))
case "client":
    do {
        try await ClientBenchmark.run(arguments: Array(arguments.dropFirst()))
    } catch {
        say("pulsar-bench client: \(error)")
        exit(1)
    }
case "hermetic":
    do {
        try await HermeticBenchmark.run(arguments: Array(arguments.dropFirst()))
    } catch {
        say("pulsar-bench hermetic: \(error)")
        exit(1)
    }
case "chaos", "scenario":
    do {
        let rest = Array(arguments.dropFirst())
        let valid = arguments.first == "chaos" ? try await ChaosBenchmark.chaos(arguments: rest)
            : try await ChaosBenchmark.scenario(arguments: rest)
        if !valid { exit(1) }
    } catch {
        say("pulsar-bench \(arguments.first!): \(error)")
        exit(1)
    }
default:
    say(usage)
    if let name = arguments.first, name != "help", name != "--help" {
        say("unknown suite '\(name)'")
        exit(2)
    }
}
