import PulsarNet

/// How the client opens a byte stream to a broker: TCP by default; tests inject another transport (for example the
/// emulator's in-memory streams, with no port at all).
///
/// ```swift
/// var configuration = ClientConfiguration(serviceURL: emulator.serviceURL)
/// configuration.connector = Connector { _, _ in emulator.connectInMemory() }
/// ```
public struct Connector: Sendable {
    let open: @Sendable (BrokerAddress, Duration) async throws -> any ByteStream

    /// A connector that calls `open(address, timeout)` for every new broker connection.
    public init(_ open: @escaping @Sendable (_ address: BrokerAddress, _ timeout: Duration) async throws -> any ByteStream) {
        self.open = open
    }

    /// TCP through PulsarNet (non-blocking sockets, TCP_NODELAY).
    public static let tcp = Connector { address, timeout in
        try await TCPConnection.connect(host: address.host, port: address.port, timeout: timeout)
    }
}
