/// One HTTP/1.x request, complete with its body.
package struct HTTPRequest: Equatable, Sendable {
    /// `GET`, `PUT`, … (case-sensitive, as HTTP says).
    package var method: String
    /// The request target as sent (`/admin/v2/persistent/public/default/t/stats?x=1`).
    package var target: String
    /// The path's segments, each percent-decoded; empty segments (`//`, a trailing `/`) are dropped.
    package var pathSegments: [String]
    /// Query parameters, percent-decoded (`+` is a space); the last of repeated names wins.
    package var query: [String: String]
    /// `(1, 1)` or `(1, 0)`.
    package var version: HTTPVersion
    package var headers: HTTPHeaders
    package var body: [UInt8]

    /// Whether the connection stays open after the answer: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive`.
    package var keepAlive: Bool {
        let connection = headers.tokens("Connection")
        if connection.contains("close") { return false }
        return version.minor >= 1 || connection.contains("keep-alive")
    }
}

/// An HTTP version; only 1.0 and 1.1 are served.
package struct HTTPVersion: Equatable, Sendable {
    package var major: Int
    package var minor: Int

    /// `major.minor`.
    package init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }
}

/// Why a request was refused; the server answers with `status` and closes the connection.
package struct HTTPParseError: Error, Equatable, CustomStringConvertible {
    package var status: HTTPStatus
    package var reason: String
    package var description: String { "\(status): \(reason)" }
}
