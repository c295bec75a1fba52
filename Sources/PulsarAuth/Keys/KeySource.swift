/// Where a key comes from, as written in a broker setting such as `tokenSecretKey`
/// or `tokenPublicKey` (mirrors Pulsar's `AuthTokenUtils.readKeyFromUrl`).
public enum KeySource: Sendable, Hashable {
    /// Bytes given inline by a `data:` URL.
    case inline([UInt8])
    /// A file named by a `file:` URL.
    case file(path: String)
    /// A bare value: a file path if such a file exists, otherwise base64 key material.
    case pathOrBase64(String)

    /// Parses a setting value without touching the file system.
    ///
    /// Accepts `data:[<mediatype>][;base64],<data>` (RFC 2397), `file:///abs/path`,
    /// `file:/abs/path`, `file://localhost/abs/path`, `file:relative/path`, and bare values.
    public init(configValue value: String) throws(AuthError) {
        let text = value.trimmingASCIIWhitespace()
        if text.hasPrefix("data:") {
            self = .inline(try Self.decodeDataURL(text))
        } else if text.hasPrefix("file:") {
            var rest = Substring(text.dropFirst(5))
            if rest.hasPrefix("//") {
                rest = rest.dropFirst(2)
                guard let slash = rest.firstIndex(of: "/") else {
                    throw AuthError(.invalidConfiguration, "file URL '\(text)' has no path")
                }
                let host = rest[..<slash]
                guard host.isEmpty || host == "localhost" else {
                    throw AuthError(.invalidConfiguration, "file URL '\(text)' names a remote host '\(host)'")
                }
                rest = rest[slash...]
            }
            guard !rest.isEmpty else {
                throw AuthError(.invalidConfiguration, "file URL '\(text)' has no path")
            }
            self = .file(path: try Self.percentDecode(rest, context: text))
        } else if text.isEmpty {
            throw AuthError(.invalidConfiguration, "the key setting is empty")
        } else {
            self = .pathOrBase64(text)
        }
    }

    /// Loads the key bytes, reading a file when the source names one.
    public func load() throws(AuthError) -> [UInt8] {
        switch self {
        case .inline(let bytes):
            return bytes
        case .file(let path):
            return try KeyFileIO.read(path: path)
        case .pathOrBase64(let text):
            if KeyFileIO.fileExists(path: text) {
                return try KeyFileIO.read(path: text)
            }
            if let bytes = try? Base64.decode(text), !bytes.isEmpty {
                return bytes
            }
            throw AuthError(.keyFileUnreadable, "key file not found, and the value is not base64 either: \(text)")
        }
    }

    /// Parses and loads a setting value in one step.
    public static func loadKey(configValue: String) throws(AuthError) -> [UInt8] {
        try KeySource(configValue: configValue).load()
    }

    private static func decodeDataURL(_ text: String) throws(AuthError) -> [UInt8] {
        guard let comma = text.firstIndex(of: ",") else {
            throw AuthError(.invalidConfiguration, "data URL has no ',' separating the data")
        }
        let metadata = text[text.index(text.startIndex, offsetBy: 5)..<comma]
        let payload = text[text.index(after: comma)...]
        let isBase64 = metadata.split(separator: ";").contains { $0.lowercased() == "base64" }
        if isBase64 {
            return try Base64.decodeKeyMaterial(try percentDecode(payload, context: "data URL"))
        }
        return Array(try percentDecode(payload, context: "data URL").utf8)
    }

    private static func percentDecode(_ text: Substring, context: String) throws(AuthError) -> String {
        var bytes = [UInt8]()
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else {
                    throw AuthError(.invalidConfiguration, "bad percent-escape in \(context)")
                }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw AuthError(.invalidConfiguration, "percent-escapes in \(context) are not UTF-8")
        }
        return decoded
    }
}
