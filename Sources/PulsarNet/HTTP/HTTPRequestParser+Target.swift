/// The request target: path segments and query parameters, percent-decoded.
extension HTTPRequestParser {
    package static func parseTarget(_ target: String, method: String) throws(HTTPParseError) -> ([String], [String: String]) {
        if target == "*", method == "OPTIONS" { return ([], [:]) }
        var rest = Substring(target)
        if let scheme = rest.firstRange(of: "://"), rest.hasPrefix("http") {
            let afterAuthority = rest[scheme.upperBound...]
            rest = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }).map { afterAuthority[$0...] } ?? "/"
            if rest.hasPrefix("?") { rest = "/" + rest }
        }
        guard rest.hasPrefix("/") else { throw HTTPParseError(status: .badRequest, reason: "the request target must start with '/'") }
        let pathEnd = rest.firstIndex(of: "?") ?? rest.endIndex
        var segments: [String] = []
        for raw in rest[..<pathEnd].split(separator: "/") {
            guard let segment = percentDecode(raw, plusIsSpace: false) else {
                throw HTTPParseError(status: .badRequest, reason: "invalid percent-encoding in the path")
            }
            segments.append(segment)
        }
        var query: [String: String] = [:]
        if pathEnd < rest.endIndex {
            for pair in rest[rest.index(after: pathEnd)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = percentDecode(parts[0], plusIsSpace: true),
                      let value = percentDecode(parts.count > 1 ? parts[1] : "", plusIsSpace: true) else {
                    throw HTTPParseError(status: .badRequest, reason: "invalid percent-encoding in the query")
                }
                query[name] = value
            }
        }
        return (segments, query)
    }

    /// Decodes `%XX` escapes (and `+` when asked); nil for a broken escape or bytes that are not UTF-8.
    package static func percentDecode(_ text: Substring, plusIsSpace: Bool) -> String? {
        guard text.contains("%") || (plusIsSpace && text.contains("+")) else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard utf8.count >= 2, let high = hexValue(utf8.removeFirst()), let low = hexValue(utf8.removeFirst()) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
