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
      wire     codec: SEND / MESSAGE decode and encode (100 B and 10 KiB payloads), CRC32C throughput
    """

switch arguments.first {
case "wire":
    WireBenchmark.run(arguments: Array(arguments.dropFirst()))
default:
    print(usage)
    if let name = arguments.first, name != "help", name != "--help" {
        print("unknown suite '\(name)'")
        exit(2)
    }
}
