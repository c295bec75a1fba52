/// A PEM-armoured DER document (RFC 7468), e.g. `-----BEGIN PUBLIC KEY-----`.
public struct PEMDocument: Sendable, Hashable {
    /// The label between `BEGIN`/`END`, e.g. `PUBLIC KEY` or `PRIVATE KEY`.
    public var label: String
    /// The decoded DER bytes.
    public var derBytes: [UInt8]

    /// Creates a document from a label and DER bytes.
    public init(label: String, derBytes: [UInt8]) {
        self.label = label
        self.derBytes = derBytes
    }

    /// Parses the first PEM block in `text` (text outside blocks is ignored).
    public init(pemString text: String) throws(AuthError) {
        guard let first = try Self.parseAll(text).first else {
            throw AuthError(.malformedKey, "no PEM block (-----BEGIN ...-----) found")
        }
        self = first
    }

    /// Parses every PEM block in `text`, in order.
    public static func parseAll(_ text: String) throws(AuthError) -> [PEMDocument] {
        var documents = [PEMDocument]()
        var label: String?
        var body = ""
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingASCIIWhitespace()
            if let current = label {
                if line.hasPrefix("-----END ") {
                    guard line == "-----END \(current)-----" else {
                        throw AuthError(.malformedKey, "PEM block '\(current)' ends with a mismatched line '\(line)'")
                    }
                    documents.append(PEMDocument(label: current, derBytes: try Base64.decodeKeyMaterial(body)))
                    label = nil
                    body = ""
                } else if line.contains(":") {
                    throw AuthError(.malformedKey, "PEM block '\(current)' has headers (encrypted PEM keys are not supported)")
                } else {
                    body += line
                }
            } else if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----"), line.count > 16 {
                label = String(line.dropFirst(11).dropLast(5))
            }
        }
        if let current = label {
            throw AuthError(.malformedKey, "PEM block '\(current)' has no END line")
        }
        return documents
    }

    /// Whether the bytes look like PEM text rather than binary DER.
    public static func isPEM(_ bytes: some Collection<UInt8>) -> Bool {
        let prefix = Array(bytes.prefix(4096))
        let marker = Array("-----BEGIN ".utf8)
        guard prefix.count >= marker.count else { return false }
        for start in 0...(prefix.count - marker.count) where prefix[start..<(start + marker.count)].elementsEqual(marker) {
            return true
        }
        return false
    }

    /// The armoured text with 64-character lines and a trailing newline.
    public var pemString: String {
        let encoded = Array(Base64.encode(derBytes).utf8)
        var lines = ["-----BEGIN \(label)-----"]
        var index = 0
        while index < encoded.count {
            let end = min(index + 64, encoded.count)
            lines.append(String(decoding: encoded[index..<end], as: UTF8.self))
            index = end
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0.isNewline }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
