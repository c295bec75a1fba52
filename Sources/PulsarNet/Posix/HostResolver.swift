/// Turns a host into socket addresses without blocking the caller's thread: a numeric address ("127.0.0.1", "::1")
/// at once, a name ("localhost", "broker.example") through a blocking lookup on a thread of its own (`BlockingWork`).
package struct HostResolver: Sendable {
    /// The blocking lookup: `getaddrinfo` for the system resolver; tests inject one that never returns.
    private let lookup: @Sendable (_ host: String, _ port: Int) throws -> [SocketAddress]

    /// A resolver whose name lookups call `lookup` (on a thread of their own).
    package init(lookup: @escaping @Sendable (_ host: String, _ port: Int) throws -> [SocketAddress]) {
        self.lookup = lookup
    }

    /// `getaddrinfo`, through `SocketAddress.resolve(host:port:)`.
    package static let system = HostResolver(lookup: SocketAddress.resolve(host:port:))

    /// The addresses of `host`, in the resolver's order, each with `port`.
    ///
    /// - Throws: `NetError` (`invalidAddress` if the name does not resolve, `timedOut` past `deadline`);
    ///   `CancellationError` if the task is cancelled first.
    package func resolve(host: String, port: Int, deadline: ContinuousClock.Instant?) async throws -> [SocketAddress] {
        if let numeric = try? SocketAddress(ipAddress: host, port: port) { return [numeric] }
        return try await BlockingWork.run("resolving '\(host)'", deadline: deadline) { [lookup] in
            try lookup(host, port)
        }
    }
}

extension SocketAddress {
    /// Like `resolve(host:port:)`, without blocking the caller: a numeric address at once, a name through
    /// `getaddrinfo` on a thread of its own, waiting at most `timeout` (nil: as long as the lookup takes).
    ///
    /// - Throws: `NetError` (`invalidAddress` if the name does not resolve, `timedOut` past `timeout`);
    ///   `CancellationError` if the task is cancelled first.
    public static func resolve(host: String, port: Int, timeout: Duration?) async throws -> [SocketAddress] {
        try await HostResolver.system.resolve(host: host, port: port, deadline: timeout.map { .now + $0 })
    }
}
