/// The SHA-2 digests used by the JWT signature algorithms.
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// SHA-256.
    case sha256 = "SHA-256"
    /// SHA-384.
    case sha384 = "SHA-384"
    /// SHA-512.
    case sha512 = "SHA-512"

    /// Digest length in bytes.
    public var digestSize: Int {
        switch self {
        case .sha256: SHA256.digestSize
        case .sha384: SHA384.digestSize
        case .sha512: SHA512.digestSize
        }
    }

    /// Hashes `bytes` with this algorithm.
    public func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        switch self {
        case .sha256: SHA256.hash(bytes)
        case .sha384: SHA384.hash(bytes)
        case .sha512: SHA512.hash(bytes)
        }
    }

    /// HMAC with this algorithm's hash.
    public func hmac(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        switch self {
        case .sha256: HMAC.sha256(key: key, message: message)
        case .sha384: HMAC.sha384(key: key, message: message)
        case .sha512: HMAC.sha512(key: key, message: message)
        }
    }
}
