// swift-tools-version:6.0
import PackageDescription

/// Every target: Swift 6 language mode (strict concurrency) and explicit `any`.
let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "PulsarKit",
    products: [
        .library(name: "PulsarWire", targets: ["PulsarWire"]),
        .executable(name: "pulsar-bench", targets: ["pulsar-bench"]),
    ],
    targets: [
        // Pure, two-way codec: protobuf, commands, frames, CRC32C, batches. No sockets, no clock.
        .target(name: "PulsarWire", swiftSettings: strict),
        .executableTarget(name: "pulsar-bench", dependencies: ["PulsarWire"], swiftSettings: strict),
        .testTarget(name: "PulsarWireTests", dependencies: ["PulsarWire"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
