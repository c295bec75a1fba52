// swift-tools-version:6.0
import PackageDescription

/// Every target: Swift 6 language mode (strict concurrency) and explicit `any`.
let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "PulsarKit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PulsarWire", targets: ["PulsarWire"]),
        .library(name: "PulsarNet", targets: ["PulsarNet"]),
        .library(name: "PulsarAuth", targets: ["PulsarAuth"]),
        .library(name: "PulsarEmulator", targets: ["PulsarEmulator"]),
        .library(name: "PulsarClient", targets: ["PulsarClient"]),
        .library(name: "EventBus", targets: ["EventBus"]),
        .library(name: "PulsarTesting", targets: ["PulsarTesting"]),
        .library(name: "PulsarFaults", targets: ["PulsarFaults"]),
        .executable(name: "pulsar-emulator", targets: ["pulsar-emulator"]),
        .executable(name: "pulsar-bench", targets: ["pulsar-bench"]),
        .executable(name: "pulsar-client-probe", targets: ["pulsar-client-probe"]),
    ],
    targets: [
        // Pieces several modules share: the logger and log levels, the wall clock, Duration in milliseconds, base64,
        // JSON, and the ActivityMonitor a test harness waits on. Not a product: the other modules use it through
        // `package` access, and re-export its few public types (PulsarLogger, JSONValue, Base64, FormatError) so
        // users never import it themselves.
        .target(name: "PulsarSupport", swiftSettings: strict),
        // Pure, two-way codec: protobuf, commands, frames, CRC32C, batches. No sockets, no clock.
        .target(name: "PulsarWire", swiftSettings: strict),
        // POSIX TCP on epoll (kqueue on Darwin) and an in-memory duplex; knows nothing of Pulsar's protocol (from
        // PulsarSupport it takes only the ActivityMonitor its in-memory streams report to).
        .target(name: "PulsarNet", dependencies: ["PulsarSupport"], swiftSettings: strict),
        // SHA-2, HMAC, RSA and P-256 ECDSA, DER/PEM keys, JWT validation and minting (base64 and JSON from
        // PulsarSupport). Stdlib only (one file reads and writes key files with libc).
        .target(name: "PulsarAuth", dependencies: ["PulsarSupport"], swiftSettings: strict),
        // The in-memory broker.
        .target(name: "PulsarEmulator", dependencies: ["PulsarSupport", "PulsarWire", "PulsarNet", "PulsarAuth"],
                swiftSettings: strict),
        // The Swift Pulsar client: lookup, connection pool, producers, consumers, readers, token auth.
        .target(name: "PulsarClient", dependencies: ["PulsarSupport", "PulsarWire", "PulsarNet"], swiftSettings: strict),
        // Coze Studio's event-bus contract (producers, consumer handlers, the environment factory) over PulsarClient.
        .target(name: "EventBus", dependencies: ["PulsarSupport", "PulsarClient"], swiftSettings: strict),
        // What a service's test target adds: an in-process emulator, an event bus and clients on one virtual clock,
        // the awaiting helpers (until, settle, runUntilIdle), and fault scenarios run on the EventBus (runScenario).
        .target(name: "PulsarTesting", dependencies: ["PulsarSupport", "PulsarWire", "PulsarClient", "PulsarEmulator", "EventBus",
                                                  "PulsarFaults"],
                swiftSettings: strict),
        // Fault injection outside the broker (a Pulsar-aware proxy with toxics and frame rules, over TCP or in memory,
        // and a Toxiproxy-compatible control API) and the history checker that proves nothing was lost or invented.
        .target(name: "PulsarFaults", dependencies: ["PulsarSupport", "PulsarWire", "PulsarNet"], swiftSettings: strict),
        .executableTarget(name: "pulsar-emulator", dependencies: ["PulsarSupport", "PulsarEmulator", "PulsarAuth", "PulsarFaults"],
                          swiftSettings: strict),
        .executableTarget(name: "pulsar-bench", dependencies: ["PulsarWire", "PulsarNet", "PulsarClient", "PulsarEmulator", "PulsarTesting"],
                          swiftSettings: strict),
        // Produces or consumes with the Swift client and prints JSON lines (the interop tests drive it).
        .executableTarget(name: "pulsar-client-probe", dependencies: ["PulsarClient"], swiftSettings: strict),
        .testTarget(name: "PulsarSupportTests", dependencies: ["PulsarSupport"], swiftSettings: strict),
        .testTarget(name: "PulsarWireTests", dependencies: ["PulsarWire", "PulsarSupport"], swiftSettings: strict),
        .testTarget(name: "PulsarNetTests", dependencies: ["PulsarNet", "PulsarSupport"], swiftSettings: strict),
        .testTarget(name: "PulsarAuthTests", dependencies: ["PulsarAuth"], swiftSettings: strict),
        .testTarget(name: "PulsarEmulatorTests", dependencies: ["PulsarSupport", "PulsarEmulator", "PulsarWire", "PulsarNet", "PulsarAuth"], swiftSettings: strict),
        .testTarget(name: "PulsarClientTests", dependencies: ["PulsarClient", "PulsarEmulator", "PulsarWire", "PulsarNet", "PulsarAuth"],
                    swiftSettings: strict),
        .testTarget(name: "PulsarFaultsTests", dependencies: ["PulsarFaults", "PulsarWire", "PulsarNet", "PulsarSupport", "PulsarEmulator",
                                                     "PulsarClient"],
                    swiftSettings: strict),
        .testTarget(name: "PulsarTestingTests", dependencies: ["PulsarTesting"], swiftSettings: strict),
        .testTarget(name: "EventBusTests", dependencies: ["EventBus", "PulsarClient", "PulsarEmulator", "PulsarSupport"],
                    swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
