/// The parts HTTP requests and responses share: status codes, header fields, optional whitespace. No imports, so
/// the request parser builds on its own (the fuzz target `http` compiles it alone).

/// An HTTP status code and its reason phrase.
package struct HTTPStatus: Equatable, Sendable, CustomStringConvertible {
    /// The three-digit code.
    package var code: Int
    /// The reason phrase sent on the status line.
    package var reason: String

    package static let `continue` = HTTPStatus(code: 100, reason: "Continue")
    package static let ok = HTTPStatus(code: 200, reason: "OK")
    package static let created = HTTPStatus(code: 201, reason: "Created")
    package static let noContent = HTTPStatus(code: 204, reason: "No Content")
    package static let badRequest = HTTPStatus(code: 400, reason: "Bad Request")
    package static let notFound = HTTPStatus(code: 404, reason: "Not Found")
    package static let methodNotAllowed = HTTPStatus(code: 405, reason: "Method Not Allowed")
    package static let notAcceptable = HTTPStatus(code: 406, reason: "Not Acceptable")
    package static let requestTimeout = HTTPStatus(code: 408, reason: "Request Timeout")
    package static let conflict = HTTPStatus(code: 409, reason: "Conflict")
    package static let lengthRequired = HTTPStatus(code: 411, reason: "Length Required")
    package static let preconditionFailed = HTTPStatus(code: 412, reason: "Precondition Failed")
    package static let payloadTooLarge = HTTPStatus(code: 413, reason: "Payload Too Large")
    package static let uriTooLong = HTTPStatus(code: 414, reason: "URI Too Long")
    package static let unsupportedMediaType = HTTPStatus(code: 415, reason: "Unsupported Media Type")
    package static let headerFieldsTooLarge = HTTPStatus(code: 431, reason: "Request Header Fields Too Large")
    package static let internalServerError = HTTPStatus(code: 500, reason: "Internal Server Error")
    package static let notImplemented = HTTPStatus(code: 501, reason: "Not Implemented")
    package static let versionNotSupported = HTTPStatus(code: 505, reason: "HTTP Version Not Supported")

    /// `404 Not Found`.
    package var description: String { "\(code) \(reason)" }

    /// A status by code and reason phrase.
    package init(code: Int, reason: String) {
        self.code = code
        self.reason = reason
    }
}

/// Header fields in arrival order; names compare case-insensitively.
package struct HTTPHeaders: Equatable, Sendable, Sequence {
    private(set) var fields: [(name: String, value: String)] = []

    package init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// Adds a field (repeated names are kept, in order).
    package mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }

    /// The first value of `name`, or nil.
    package subscript(name: String) -> String? {
        let lowered = name.lowercased()
        return fields.first { $0.name.lowercased() == lowered }?.value
    }

    /// Every value of `name`, in order.
    package func values(_ name: String) -> [String] {
        let lowered = name.lowercased()
        return fields.filter { $0.name.lowercased() == lowered }.map(\.value)
    }

    /// Comma-separated list elements of every `name` field, trimmed and lowercased (`Connection`, `Transfer-Encoding`).
    package func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }.map { $0.trimmingOWS().lowercased() }.filter { !$0.isEmpty }
    }

    package func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    package static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    package func trimmingOWS() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
