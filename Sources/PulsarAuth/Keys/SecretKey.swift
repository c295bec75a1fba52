/// How the contents of a secret-key file are to be read.
public enum SecretKeyEncoding: Sendable, Hashable {
    /// The file holds the key bytes themselves (`pulsar tokens create-secret-key`).
    case raw
    /// The file holds base64 text (`pulsar tokens create-secret-key --base64`).
    case base64
    /// Base64 if the whole content (ignoring surrounding whitespace) is valid base64
    /// of at least 16 bytes, raw bytes otherwise.
    case automatic
}

/// Reading, writing and generating HMAC secret keys in Pulsar's formats.
public enum SecretKeyCodec {
    /// Decodes secret-key file contents.
    public static func decode(fileContents: [UInt8], encoding: SecretKeyEncoding = .raw) throws(AuthError) -> [UInt8] {
        switch encoding {
        case .raw:
            guard !fileContents.isEmpty else {
                throw AuthError(.invalidKey, "the secret key is empty")
            }
            return fileContents
        case .base64:
            let decoded = try Base64.decodeKeyMaterial(String(decoding: fileContents, as: UTF8.self))
            guard !decoded.isEmpty else {
                throw AuthError(.invalidKey, "the base64 secret key is empty")
            }
            return decoded
        case .automatic:
            if let text = String(validating: fileContents, as: UTF8.self),
               let decoded = try? Base64.decode(text), decoded.count >= 16 {
                return decoded
            }
            return try decode(fileContents: fileContents, encoding: .raw)
        }
    }

    /// Encodes a secret as `create-secret-key` writes it: raw bytes, or base64 text
    /// (standard alphabet, padded, no trailing newline).
    public static func encode(_ secret: [UInt8], base64: Bool) -> [UInt8] {
        base64 ? Array(Base64.encode(secret).utf8) : secret
    }

    /// A random secret; 32 bytes suits HS256 (Pulsar's default), 64 bytes any HS algorithm.
    public static func generate(byteCount: Int = 32, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// A random secret from the system random number generator.
    public static func generate(byteCount: Int = 32) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return generate(byteCount: byteCount, using: &generator)
    }
}
