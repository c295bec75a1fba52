#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 socket address: a numeric host and a port.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address family.
    public enum Family: Hashable, Sendable {
        /// IPv4 (`AF_INET`).
        case ipv4
        /// IPv6 (`AF_INET6`).
        case ipv6
    }

    /// The address family.
    public let family: Family
    /// The numeric host, e.g. "127.0.0.1" or "::1".
    public let host: String
    /// The port, 0...65535.
    public let port: Int
    /// The IPv6 scope (interface index); 0 for IPv4.
    let scopeID: UInt32

    /// Parses a numeric IPv4 or IPv6 address ("127.0.0.1", "::1"); throws `invalidAddress` for anything else.
    public init(ipAddress: String, port: Int) throws {
        guard (0...65535).contains(port) else {
            throw NetError(code: .invalidAddress, message: "port \(port) is out of range")
        }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, ipAddress, &v4) == 1 {
            self.init(family: .ipv4, host: SocketAddress.format(v4), port: port, scopeID: 0)
        } else if inet_pton(AF_INET6, ipAddress, &v6) == 1 {
            self.init(family: .ipv6, host: SocketAddress.format(v6), port: port, scopeID: 0)
        } else {
            throw NetError(code: .invalidAddress, message: "'\(ipAddress)' is not a numeric IP address")
        }
    }

    private init(family: Family, host: String, port: Int, scopeID: UInt32) {
        self.family = family
        self.host = host
        self.port = port
        self.scopeID = scopeID
    }

    /// Resolves `host` (numeric, or a name such as "localhost" via getaddrinfo) to stream-socket addresses,
    /// in the resolver's order. Name lookups block the calling thread: async code uses `resolve(host:port:timeout:)`.
    public static func resolve(host: String, port: Int) throws -> [SocketAddress] {
        if let numeric = try? SocketAddress(ipAddress: host, port: port) { return [numeric] }
        guard (0...65535).contains(port) else {
            throw NetError(code: .invalidAddress, message: "port \(port) is out of range")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            let reason = gai_strerror(status).map { String(cString: $0) } ?? "unknown"
            throw NetError(code: .invalidAddress, message: "cannot resolve '\(host)': \(reason)")
        }
        defer { freeaddrinfo(first) }
        var result: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let sa = entry.pointee.ai_addr, let address = SocketAddress(sockaddr: sa, port: port),
               !result.contains(address) {
                result.append(address)
            }
            cursor = entry.pointee.ai_next
        }
        guard !result.isEmpty else {
            throw NetError(code: .invalidAddress, message: "'\(host)' has no IPv4 or IPv6 address")
        }
        return result
    }

    /// The wildcard address of the same family as `other`, port 0 (a placeholder when the real one is unknown).
    static func unspecified(like other: SocketAddress) -> SocketAddress {
        SocketAddress(family: other.family, host: other.family == .ipv4 ? "0.0.0.0" : "::", port: 0, scopeID: 0)
    }

    /// "127.0.0.1:6650" or "[::1]:6650".
    public var description: String {
        family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The `AF_*` constant of the family.
    var posixFamily: Int32 { family == .ipv4 ? AF_INET : AF_INET6 }

    /// Reads an address out of a `sockaddr`; `port` overrides the stored port when given. Nil for other families.
    init?(sockaddr pointer: UnsafePointer<sockaddr>, port overridePort: Int? = nil) {
        switch Int32(pointer.pointee.sa_family) {
        case AF_INET:
            let sin = UnsafeRawPointer(pointer).loadUnaligned(as: sockaddr_in.self)
            self.init(family: .ipv4, host: SocketAddress.format(sin.sin_addr),
                      port: overridePort ?? Int(UInt16(bigEndian: sin.sin_port)), scopeID: 0)
        case AF_INET6:
            let sin6 = UnsafeRawPointer(pointer).loadUnaligned(as: sockaddr_in6.self)
            self.init(family: .ipv6, host: SocketAddress.format(sin6.sin6_addr),
                      port: overridePort ?? Int(UInt16(bigEndian: sin6.sin6_port)), scopeID: sin6.sin6_scope_id)
        default:
            return nil
        }
    }

    /// Calls `body` with this address as a `sockaddr` pointer and its length.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        switch family {
        case .ipv4:
            var sin = sockaddr_in()
            #if canImport(Darwin)
            sin.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
            #endif
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(port).bigEndian
            _ = inet_pton(AF_INET, host, &sin.sin_addr)
            return try withUnsafePointer(to: &sin) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6:
            var sin6 = sockaddr_in6()
            #if canImport(Darwin)
            sin6.sin6_len = UInt8(MemoryLayout<sockaddr_in6>.size)
            #endif
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = UInt16(port).bigEndian
            sin6.sin6_scope_id = scopeID
            _ = inet_pton(AF_INET6, host, &sin6.sin6_addr)
            return try withUnsafePointer(to: &sin6) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    private static func format(_ address: in_addr) -> String {
        var address = address
        return formatBytes(family: AF_INET, &address, capacity: Int(INET_ADDRSTRLEN))
    }

    private static func format(_ address: in6_addr) -> String {
        var address = address
        return formatBytes(family: AF_INET6, &address, capacity: Int(INET6_ADDRSTRLEN))
    }

    private static func formatBytes(family: Int32, _ address: UnsafeRawPointer, capacity: Int) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
            guard let base = buffer.baseAddress,
                  inet_ntop(family, address, base, socklen_t(capacity)) != nil else { return "?" }
            return String(cString: base)
        }
    }
}
