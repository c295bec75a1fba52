/// A JWS `alg` value (RFC 7518 §3.1). Names are case-sensitive; anything not
/// implemented here — including `none` — is represented as `.other` and rejected.
public enum JWTAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// HMAC with SHA-256.
    case hs256
    /// HMAC with SHA-384.
    case hs384
    /// HMAC with SHA-512.
    case hs512
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rs256
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    case rs384
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    case rs512
    /// ECDSA on P-256 with SHA-256.
    case es256
    /// Any other name (e.g. `none`, `PS256`, `ES384`, `EdDSA`): representable, not supported.
    case other(String)

    /// The key family an algorithm needs.
    public enum Family: String, Sendable, Hashable {
        /// A shared secret (HS*).
        case hmac = "HMAC"
        /// An RSA key (RS*).
        case rsa = "RSA"
        /// An EC P-256 key (ES256).
        case ecdsaP256 = "EC P-256"
    }

    /// Every supported algorithm.
    public static let supported: [JWTAlgorithm] = [.hs256, .hs384, .hs512, .rs256, .rs384, .rs512, .es256]

    /// The algorithm with this exact `alg` name.
    public init(name: String) {
        self = Self.supported.first { $0.name == name } ?? .other(name)
    }

    /// The `alg` name, e.g. `RS256`.
    public var name: String {
        switch self {
        case .hs256: "HS256"
        case .hs384: "HS384"
        case .hs512: "HS512"
        case .rs256: "RS256"
        case .rs384: "RS384"
        case .rs512: "RS512"
        case .es256: "ES256"
        case .other(let name): name
        }
    }

    /// The `alg` name.
    public var description: String { name }

    /// The key family, or `nil` for unsupported algorithms.
    public var family: Family? {
        switch self {
        case .hs256, .hs384, .hs512: .hmac
        case .rs256, .rs384, .rs512: .rsa
        case .es256: .ecdsaP256
        case .other: nil
        }
    }

    /// The digest, or `nil` for unsupported algorithms.
    public var digest: DigestAlgorithm? {
        switch self {
        case .hs256, .rs256, .es256: .sha256
        case .hs384, .rs384: .sha384
        case .hs512, .rs512: .sha512
        case .other: nil
        }
    }

    /// Whether this module can sign and verify with the algorithm.
    public var isSupported: Bool { family != nil }

    /// An error explaining why an unsupported algorithm cannot be used.
    var unsupportedError: AuthError {
        if name == "none" {
            return AuthError(.unsupportedAlgorithm, "unsecured tokens (alg \"none\") are never accepted")
        }
        let list = Self.supported.map(\.name).joined(separator: ", ")
        return AuthError(.unsupportedAlgorithm, "algorithm \"\(name)\" is not supported; supported algorithms are \(list)")
    }
}
