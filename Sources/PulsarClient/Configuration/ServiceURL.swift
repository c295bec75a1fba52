/// One broker endpoint, `pulsar://host:port`.
public struct BrokerAddress: Hashable, Sendable, CustomStringConvertible {
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    /// TCP port.
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `pulsar://host:port` (IPv6 hosts in brackets).
    public var url: String { "pulsar://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// The URL.
    public var description: String { url }

    /// Parses `pulsar://host[:port]` (the port defaults to 6650).
    ///
    /// - Throws: ``PulsarClientError/Code/invalidConfiguration`` for another scheme (TLS is not supported) or a
    ///   malformed host or port.
    public init(url: String) throws {
        let list = try ServiceURL(url)
        guard list.addresses.count == 1 else {
            throw PulsarClientError(.invalidConfiguration, "'\(url)' names \(list.addresses.count) brokers, expected one")
        }
        self = list.addresses[0]
    }
}

/// A service URL: `pulsar://host:port` or a comma-separated list `pulsar://a:6650,b:6650`, tried in turn.
public struct ServiceURL: Hashable, Sendable, CustomStringConvertible {
    /// The default broker port.
    public static let defaultPort = 6650
    /// The brokers, in the order given.
    public var addresses: [BrokerAddress]

    /// Parses a service URL.
    ///
    /// - Throws: ``PulsarClientError/Code/invalidConfiguration`` for an empty list, another scheme than `pulsar://`
    ///   (`pulsar+ssl://` is not supported), or a malformed host or port.
    public init(_ text: String) throws {
        let trimmed = text.trimmingWhitespace()
        let scheme = "pulsar://"
        guard trimmed.hasPrefix(scheme) else {
            let reason = trimmed.hasPrefix("pulsar+ssl://") ? "TLS (pulsar+ssl://) is not supported" : "expected pulsar://host:port"
            throw PulsarClientError(.invalidConfiguration, "invalid service URL '\(text)': \(reason)")
        }
        var rest = Substring(trimmed.dropFirst(scheme.count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        var addresses: [BrokerAddress] = []
        for part in rest.split(separator: ",", omittingEmptySubsequences: false) {
            addresses.append(try Self.parseHostPort(part.trimmingWhitespace(), in: text))
        }
        guard !addresses.isEmpty else { throw PulsarClientError(.invalidConfiguration, "service URL '\(text)' names no broker") }
        self.addresses = addresses
    }

    /// `pulsar://a:1,b:2`.
    public var description: String {
        "pulsar://" + addresses.map { $0.url.dropFirst("pulsar://".count) }.joined(separator: ",")
    }

    private static func parseHostPort(_ text: String, in url: String) throws -> BrokerAddress {
        func invalid(_ reason: String) -> PulsarClientError {
            PulsarClientError(.invalidConfiguration, "invalid service URL '\(url)': \(reason)")
        }
        guard !text.isEmpty else { throw invalid("empty host") }
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("unclosed '[' in '\(text)'") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected '\(after)' after ']'") }
                portText = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { throw invalid("IPv6 addresses need brackets: '[\(text)]'") }
        } else {
            host = Substring(text)
        }
        guard !host.isEmpty, !host.contains("/"), !host.contains(" ") else { throw invalid("bad host '\(host)'") }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw invalid("bad port '\(portText)'") }
            port = value
        }
        return BrokerAddress(host: String(host), port: port)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
