// `pulsar-emulator proxy`: a fault proxy in front of any broker, driven by a Toxiproxy-compatible HTTP API.
import PulsarFaults
import PulsarSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let proxyUsage = """
    usage: pulsar-emulator proxy --upstream HOST:PORT [options]

    A fault proxy between Pulsar clients and a broker (the emulator or Apache Pulsar). It rewrites lookup answers so
    producer and consumer connections come through it too, and serves Toxiproxy's HTTP API (toxiproxy clients and
    toxiproxy-cli work unchanged).

      --upstream HOST:PORT     the broker (required)
      --listen HOST:PORT       where clients connect (default 127.0.0.1:16650; port 0 picks one)
      --advertised-address H:P where rewritten lookups send clients (default: the listen address, loopback for
                               0.0.0.0 or ::)
      --name NAME              the proxy's name in the API (default pulsar)
      --api-port PORT          the HTTP API's port (default 8474, Toxiproxy's; 0 picks one)
      --api-host HOST          the HTTP API's interface (default 127.0.0.1)
      --seed N                 seeds toxicity, jitter and slice sizes (default 0)
      --no-rewrite-lookups     pass lookup answers through unchanged (clients may then bypass the proxy)
      -h, --help               this text

    Prints `pulsar-proxy ready pulsar://HOST:PORT` and `pulsar-proxy api http://HOST:PORT` once listening.
    """

enum ProxyCommand {
    /// Runs `proxy …` until SIGINT or SIGTERM, then exits.
    static func run(_ arguments: [String]) async -> Never {
        var reader = ArgumentReader(arguments, usage: proxyUsage)
        var configuration = FaultProxy.Configuration(name: "pulsar", listen: "127.0.0.1:16650", upstream: "")
        var apiHost = "127.0.0.1"
        var apiPort = 8474
        var seed: UInt64 = 0
        while let argument = reader.next() {
            switch argument {
            case "-h", "--help":
                writeLine(proxyUsage)
                exit(0)
            case "--upstream": configuration.upstream = reader.value(for: argument)
            case "--listen": configuration.listen = reader.value(for: argument)
            case "--name": configuration.name = reader.value(for: argument)
            case "--advertised-address": configuration.advertisedAddress = reader.value(for: argument)
            case "--api-host": apiHost = reader.value(for: argument)
            case "--api-port":
                let text = reader.value(for: argument)
                guard let port = Int(text), (0...65535).contains(port) else { fail("--api-port '\(text)' is not a port", usage: proxyUsage) }
                apiPort = port
            case "--seed":
                let text = reader.value(for: argument)
                guard let value = UInt64(text) else { fail("--seed '\(text)' is not a whole number", usage: proxyUsage) }
                seed = value
            case "--no-rewrite-lookups": configuration.rewritesLookups = false
            default: fail("unknown argument '\(argument)'", usage: proxyUsage)
            }
        }
        guard !configuration.upstream.isEmpty else { fail("proxy needs --upstream HOST:PORT", usage: proxyUsage) }
        let signals = TerminationSignals([SIGINT, SIGTERM])
        let server: FaultProxyServer
        let proxy: FaultProxy
        do {
            server = try await FaultProxyServer.start(host: apiHost, port: apiPort, seed: seed)
            proxy = try await server.createProxy(configuration)
        } catch {
            exitWithError("proxy: \(error)")
        }
        writeLine("pulsar-proxy ready \(proxy.serviceURL)\npulsar-proxy api \(server.apiURL ?? "")")
        _ = await signals.wait()
        await server.shutdown()
        printError("pulsar-proxy stopped")
        exit(0)
    }
}
