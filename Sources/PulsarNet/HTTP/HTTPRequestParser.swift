/// An incremental HTTP/1.1 request parser: bytes in (any split), complete requests out, in order.
///
/// ```
///  append(bytes) ─▶ [ head: request line + fields ─▶ body: Content-Length | chunked ] ─▶ next() → HTTPRequest
///                                                                                   └─▶ throws HTTPParseError
/// ```
/// `next()` returns nil while a request is incomplete and throws once input is malformed (400), too large (413 for
/// bodies, 431 for the head), or uses what is not served (501 for transfer codings other than chunked, 505 for HTTP
/// versions other than 1.x). After a throw the parser stays failed: the connection must be answered and closed,
/// since the start of the next request can no longer be found.
package struct HTTPRequestParser {
    /// Size limits.
    package struct Limits: Sendable {
        /// Request line plus header fields (and chunked trailers).
        package var maxHeaderBytes = 16 * 1024
        /// Decoded body.
        package var maxBodyBytes = 1 << 20

        /// Limits of `maxHeaderBytes` for the head and `maxBodyBytes` for the decoded body.
        package init(maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 1 << 20) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
        }
    }

    private struct Head {
        var method: String
        var target: String
        var segments: [String]
        var query: [String: String]
        var version: HTTPVersion
        var headers: HTTPHeaders
    }

    private enum ChunkPhase {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers(bytes: Int)
    }

    private enum State {
        case head
        case fixedBody(Head, length: Int)
        case chunked(Head, ChunkPhase, body: [UInt8])
        case failed(HTTPParseError)
    }

    package let limits: Limits
    private var buffer: [UInt8] = []
    /// First byte not yet consumed.
    private var start = 0
    /// Bytes after `start` already searched for the end of the head.
    private var scanned = 0
    private var state = State.head
    private var continueDue = false

    package init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes received and not yet consumed by a complete request.
    package var bufferedBytes: Int { buffer.count - start }

    /// Adds received bytes.
    package mutating func append(_ bytes: some Collection<UInt8>) {
        if case .failed = state { return }
        buffer.append(contentsOf: bytes)
    }

    /// True once per request whose head asked for `Expect: 100-continue` and whose body has not fully arrived:
    /// the server should send `100 Continue` now.
    package mutating func takeContinueRequest() -> Bool {
        defer { continueDue = false }
        return continueDue
    }

    /// The next complete request, or nil until more bytes arrive.
    ///
    /// - Throws: ``HTTPParseError`` when the input is malformed or too large; every later call throws it again.
    package mutating func next() throws(HTTPParseError) -> HTTPRequest? {
        do {
            return try step()
        } catch {
            state = .failed(error)
            continueDue = false
            throw error
        }
    }

    private mutating func step() throws(HTTPParseError) -> HTTPRequest? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .head:
                guard let head = try parseHead() else { return nil }
                try beginBody(head)
            case .fixedBody(let head, let length):
                guard bufferedBytes >= length else { return nil }
                let body = Array(buffer[start..<(start + length)])
                consume(length)
                return finish(head, body: body)
            case .chunked(let head, let phase, var body):
                state = .head  // keeps `body` uniquely referenced while it grows
                guard let next = try advanceChunked(phase, body: &body) else {
                    state = .chunked(head, phase, body: body)
                    return nil
                }
                switch next {
                case .some(let phase): state = .chunked(head, phase, body: body)
                case .none: return finish(head, body: body)
                }
            }
        }
    }

    private mutating func finish(_ head: Head, body: [UInt8]) -> HTTPRequest {
        state = .head
        continueDue = false
        compact()
        return HTTPRequest(method: head.method, target: head.target, pathSegments: head.segments, query: head.query,
                           version: head.version, headers: head.headers, body: body)
    }

    // MARK: Head

    /// Parses the head once it is complete; nil while it is not.
    private mutating func parseHead() throws(HTTPParseError) -> Head? {
        // Robustness (RFC 9112 §2.2): empty lines before the request line are ignored.
        while start < buffer.count, buffer[start] == UInt8(ascii: "\r") || buffer[start] == UInt8(ascii: "\n") {
            if buffer[start] == UInt8(ascii: "\r"), start + 1 < buffer.count, buffer[start + 1] != UInt8(ascii: "\n") {
                throw HTTPParseError(status: .badRequest, reason: "bare CR before the request line")
            }
            if buffer[start] == UInt8(ascii: "\r"), start + 1 == buffer.count { return nil }
            start += 1
            scanned = 0
        }
        guard let end = findHeadEnd() else {
            if bufferedBytes > limits.maxHeaderBytes {
                throw HTTPParseError(status: .headerFieldsTooLarge, reason: "request head larger than \(limits.maxHeaderBytes) bytes")
            }
            return nil
        }
        guard end - start <= limits.maxHeaderBytes else {
            throw HTTPParseError(status: .headerFieldsTooLarge, reason: "request head larger than \(limits.maxHeaderBytes) bytes")
        }
        var lines = try Self.lines(buffer[start..<end])
        consume(end - start)
        guard !lines.isEmpty else { throw HTTPParseError(status: .badRequest, reason: "empty request") }
        let requestLine = lines.removeFirst()
        var head = try Self.parseRequestLine(requestLine)
        for line in lines {
            let (name, value) = try Self.parseField(line)
            head.headers.add(name, value)
        }
        if head.version.minor >= 1, head.headers.values("Host").count != 1 {
            throw HTTPParseError(status: .badRequest, reason: "an HTTP/1.1 request needs exactly one Host header")
        }
        return head
    }

    /// The index just past the empty line ending the head, or nil.
    private mutating func findHeadEnd() -> Int? {
        var index = start + max(0, scanned - 2)
        while index < buffer.count {
            if buffer[index] == UInt8(ascii: "\n") {
                if index + 1 < buffer.count, buffer[index + 1] == UInt8(ascii: "\n") { return index + 2 }
                if index + 2 < buffer.count, buffer[index + 1] == UInt8(ascii: "\r"), buffer[index + 2] == UInt8(ascii: "\n") {
                    return index + 3
                }
            }
            index += 1
        }
        scanned = buffer.count - start
        return nil
    }

    /// Splits a head into lines (CRLF or bare LF); a CR anywhere else is an error.
    private static func lines(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                var line = bytes[lineStart..<index]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                if !line.isEmpty { lines.append(line) }
                lineStart = index + 1
            } else if byte == UInt8(ascii: "\r"), index + 1 < bytes.endIndex, bytes[index + 1] != UInt8(ascii: "\n") {
                throw HTTPParseError(status: .badRequest, reason: "bare CR in the request head")
            }
            index += 1
        }
        return lines
    }

    private static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Head {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, parts[0].allSatisfy(isTokenByte) else {
            throw HTTPParseError(status: .badRequest, reason: "malformed request line")
        }
        let version = try parseVersion(parts[2])
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPParseError(status: .badRequest, reason: "invalid character in the request target")
        }
        let method = String(decoding: parts[0], as: UTF8.self)
        let target = String(decoding: parts[1], as: UTF8.self)
        let (segments, query) = try parseTarget(target, method: method)
        return Head(method: method, target: target, segments: segments, query: query, version: version, headers: HTTPHeaders())
    }

    private static func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        let text = Array(bytes)
        guard text.count == 8, text.starts(with: Array("HTTP/".utf8)), text[6] == UInt8(ascii: "."),
              let major = digit(text[5]), let minor = digit(text[7]) else {
            throw HTTPParseError(status: .badRequest, reason: "malformed HTTP version")
        }
        guard major == 1 else {
            throw HTTPParseError(status: .versionNotSupported, reason: "only HTTP/1.0 and HTTP/1.1 are served")
        }
        return HTTPVersion(major: major, minor: minor)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// Origin form (`/path?query`), absolute form (`http://host/path`), or `*` for OPTIONS.
    private static func parseField(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String) {
        guard let first = line.first, first != UInt8(ascii: " "), first != UInt8(ascii: "\t") else {
            throw HTTPParseError(status: .badRequest, reason: "obsolete line folding is not accepted")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
              line[..<colon].allSatisfy(isTokenByte) else {
            throw HTTPParseError(status: .badRequest, reason: "malformed header field")
        }
        let value = line[line.index(after: colon)...]
        guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw HTTPParseError(status: .badRequest, reason: "invalid character in a header value")
        }
        return (String(decoding: line[..<colon], as: UTF8.self), String(decoding: value, as: UTF8.self).trimmingOWS())
    }

    // MARK: Body

    private mutating func beginBody(_ head: Head) throws(HTTPParseError) {
        let codings = head.headers.tokens("Transfer-Encoding")
        let lengths = head.headers.values("Content-Length")
        if !codings.isEmpty {
            guard lengths.isEmpty else {
                throw HTTPParseError(status: .badRequest, reason: "both Transfer-Encoding and Content-Length")
            }
            guard codings == ["chunked"] else {
                if codings.last != "chunked" {
                    throw HTTPParseError(status: .badRequest, reason: "Transfer-Encoding must end with chunked")
                }
                throw HTTPParseError(status: .notImplemented, reason: "only the chunked transfer coding is served")
            }
            state = .chunked(head, .size, body: [])
        } else {
            let values = Set(lengths.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { $0.trimmingOWS() })
            var length = 0
            if let value = values.first {
                guard values.count == 1, !value.isEmpty, value.count <= 18, value.utf8.allSatisfy({ Self.digit($0) != nil }),
                      let parsed = Int(value) else {
                    throw HTTPParseError(status: .badRequest, reason: "invalid Content-Length")
                }
                length = parsed
            }
            guard length <= limits.maxBodyBytes else {
                throw HTTPParseError(status: .payloadTooLarge, reason: "body larger than \(limits.maxBodyBytes) bytes")
            }
            state = .fixedBody(head, length: length)
            if length > bufferedBytes { continueDue = Self.expectsContinue(head) }
            return
        }
        continueDue = Self.expectsContinue(head)
    }

    private static func expectsContinue(_ head: Head) -> Bool {
        head.version.minor >= 1 && head.headers.tokens("Expect").contains("100-continue")
    }

    /// Advances through chunked framing. Returns nil when more bytes are needed, `.some(phase)` to continue, or
    /// `.some(nil)` once the last chunk and the trailers are read.
    private mutating func advanceChunked(_ phase: ChunkPhase, body: inout [UInt8]) throws(HTTPParseError) -> ChunkPhase?? {
        switch phase {
        case .size:
            guard let line = try takeLine(limit: 1024, what: "chunk size line") else { return nil }
            let digits = line.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
            guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy({ Self.hexValue($0) != nil }) else {
                throw HTTPParseError(status: .badRequest, reason: "invalid chunk size")
            }
            let size = digits.reduce(0) { $0 << 4 | Int(Self.hexValue($1)!) }
            if size == 0 { return .some(.trailers(bytes: 0)) }
            guard body.count + size <= limits.maxBodyBytes else {
                throw HTTPParseError(status: .payloadTooLarge, reason: "body larger than \(limits.maxBodyBytes) bytes")
            }
            return .some(.data(remaining: size))
        case .data(let remaining):
            let take = min(remaining, bufferedBytes)
            guard take > 0 else { return nil }
            body.append(contentsOf: buffer[start..<(start + take)])
            consume(take)
            return .some(remaining == take ? .dataEnd : .data(remaining: remaining - take))
        case .dataEnd:
            guard let line = try takeLine(limit: 2, what: "chunk") else { return nil }
            guard line.isEmpty else { throw HTTPParseError(status: .badRequest, reason: "chunk data longer than its size") }
            return .some(.size)
        case .trailers(let bytes):
            guard let line = try takeLine(limit: limits.maxHeaderBytes, what: "trailer") else { return nil }
            if line.isEmpty { return .some(nil) }
            let total = bytes + line.count + 2
            guard total <= limits.maxHeaderBytes else {
                throw HTTPParseError(status: .headerFieldsTooLarge, reason: "trailers larger than \(limits.maxHeaderBytes) bytes")
            }
            return .some(.trailers(bytes: total))
        }
    }

    /// Takes one line (without its CRLF or LF), or nil if it has not fully arrived.
    private mutating func takeLine(limit: Int, what: String) throws(HTTPParseError) -> [UInt8]? {
        guard let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) else {
            if bufferedBytes > limit + 1 { throw HTTPParseError(status: .badRequest, reason: "\(what) too long") }
            return nil
        }
        var line = Array(buffer[start..<newline])
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        // The same verdict whether the line arrived whole or in pieces (above: too long before its end arrived).
        guard line.count <= limit else { throw HTTPParseError(status: .badRequest, reason: "\(what) too long") }
        guard !line.contains(UInt8(ascii: "\r")) else {
            throw HTTPParseError(status: .badRequest, reason: "malformed \(what)")
        }
        consume(newline + 1 - start)
        return line
    }

    // MARK: Buffer

    private mutating func consume(_ count: Int) {
        start += count
        scanned = 0
    }

    /// Drops consumed bytes once they dominate the buffer.
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            start = 0
        } else if start > 4096, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }

    package static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// RFC 9110 `tchar`: the characters of methods and header names.
private func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    default:
        return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }
}
