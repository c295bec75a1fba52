import PulsarSupport

/// An HTTP/1.1 response: status, headers and a complete body (the admin API never streams).
///
/// A handler may build responses while it holds a lock; a large body is kept as a value (a JSON tree, a snapshot
/// with its renderer) and rendered to bytes only when ``serialized(keepAlive:includeBody:)`` runs, after the lock is
/// released, so one big answer never stalls the lock's owner.
package struct HTTPResponse: Equatable, Sendable {
    /// What the body is made of, rendered on demand.
    package enum Content: Sendable {
        /// Ready bytes.
        case bytes([UInt8])
        /// A JSON document.
        case json(JSONValue)
        /// A body rendered on demand (a metrics snapshot, say).
        case rendered(@Sendable () -> [UInt8])
    }

    package var status: HTTPStatus
    /// Headers besides `Content-Length` and `Connection`, which ``serialized(keepAlive:includeBody:)`` adds.
    package var headers: HTTPHeaders
    /// The body before rendering.
    package var content: Content

    /// The rendered body.
    package var body: [UInt8] {
        switch content {
        case .bytes(let bytes): bytes
        case .json(let value): Array(value.serialized.utf8)
        case .rendered(let render): render()
        }
    }

    package init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.content = .bytes(body)
    }

    package init(status: HTTPStatus, headers: HTTPHeaders, content: Content) {
        self.status = status
        self.headers = headers
        self.content = content
    }

    package static func == (lhs: HTTPResponse, rhs: HTTPResponse) -> Bool {
        lhs.status == rhs.status && lhs.headers == rhs.headers && lhs.body == rhs.body
    }

    /// A JSON answer (`application/json`), encoded when serialized.
    package static func json(_ value: JSONValue, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), content: .json(value))
    }

    /// A plain-text answer.
    package static func text(_ text: String, status: HTTPStatus = .ok,
                     contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(text.utf8))
    }

    /// `204 No Content`, the broker's answer to successful PUT / POST / DELETE operations.
    package static let noContent = HTTPResponse(status: .noContent)

    /// An error the way the broker reports them: `{"reason": "..."}` with the status code.
    package static func error(_ status: HTTPStatus, _ reason: String) -> HTTPResponse {
        json(["reason": .string(reason)], status: status)
    }

    /// `405 Method Not Allowed` listing what is allowed.
    package static func methodNotAllowed(allowed: [String]) -> HTTPResponse {
        var response = error(.methodNotAllowed, "HTTP method not allowed")
        response.headers.add("Allow", allowed.joined(separator: ", "))
        return response
    }

    /// The bytes on the wire: status line, headers, `Content-Length`, `Connection: close` unless `keepAlive`,
    /// then the body (left out for HEAD, though `Content-Length` still announces it).
    package func serialized(keepAlive: Bool, includeBody: Bool = true) -> [UInt8] {
        let body = body
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        for field in headers { head += "\(field.name): \(field.value)\r\n" }
        if status.code >= 200, status.code != 204 { head += "Content-Length: \(body.count)\r\n" }
        if !keepAlive { head += "Connection: close\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if includeBody, status.code != 204 { bytes.append(contentsOf: body) }
        return bytes
    }
}
