/// One HTTP/1.x request, complete with its body.
struct HTTPRequest: Equatable, Sendable {
    /// `GET`, `PUT`, … (case-sensitive, as HTTP says).
    var method: String
    /// The request target as sent (`/admin/v2/persistent/public/default/t/stats?x=1`).
    var target: String
    /// The path's segments, each percent-decoded; empty segments (`//`, a trailing `/`) are dropped.
    var pathSegments: [String]
    /// Query parameters, percent-decoded (`+` is a space); the last of repeated names wins.
    var query: [String: String]
    /// `(1, 1)` or `(1, 0)`.
    var version: HTTPVersion
    var headers: HTTPHeaders
    var body: [UInt8]

    /// Whether the connection stays open after the answer: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive`.
    var keepAlive: Bool {
        let connection = headers.tokens("Connection")
        if connection.contains("close") { return false }
        return version.minor >= 1 || connection.contains("keep-alive")
    }
}

/// An HTTP version; only 1.0 and 1.1 are served.
struct HTTPVersion: Equatable, Sendable {
    var major: Int
    var minor: Int
}

/// Why a request was refused; the server answers with `status` and closes the connection.
struct HTTPParseError: Error, Equatable, CustomStringConvertible {
    var status: HTTPStatus
    var reason: String
    var description: String { "\(status): \(reason)" }
}
