/// A key that verifies token signatures.
public enum JWTVerificationKey: Sendable, Hashable {
    /// A shared HMAC secret (HS256/384/512).
    case secret([UInt8])
    /// An RSA public key (RS256/384/512).
    case rsa(RSAPublicKey)
    /// An EC P-256 public key (ES256).
    case ecP256(P256PublicKey)

    /// Wraps a decoded public key.
    public init(_ key: AsymmetricPublicKey) {
        switch key {
        case .rsa(let rsa): self = .rsa(rsa)
        case .ecP256(let ec): self = .ecP256(ec)
        }
    }

    /// Decodes public key bytes (SPKI DER or PEM) the way the broker's `tokenPublicKey`
    /// is read: `algorithm` (the broker's `tokenPublicAlg`, default RS256) says which
    /// key type is expected, and a key of another type is an error.
    public static func publicKey(derOrPEM bytes: [UInt8], algorithm: JWTAlgorithm = .rs256) throws(AuthError) -> JWTVerificationKey {
        guard let family = algorithm.family else { throw algorithm.unsupportedError }
        guard family != .hmac else {
            throw AuthError(.invalidConfiguration, "public key algorithm must be RS* or ES256, not \(algorithm)")
        }
        let key = JWTVerificationKey(try AsymmetricPublicKey(derOrPEM: bytes))
        guard key.family == family else {
            throw AuthError(.invalidKey, "the public key is \(key.family.rawValue) but the configured algorithm \(algorithm) needs \(family.rawValue)")
        }
        return key
    }

    /// The algorithm family this key serves.
    public var family: JWTAlgorithm.Family {
        switch self {
        case .secret: .hmac
        case .rsa: .rsa
        case .ecP256: .ecdsaP256
        }
    }
}

/// A key that signs tokens.
public enum JWTSigningKey: Sendable, Hashable {
    /// A shared HMAC secret (HS256/384/512).
    case secret([UInt8])
    /// An RSA private key (RS256/384/512).
    case rsa(RSAPrivateKey)
    /// An EC P-256 private key (ES256).
    case ecP256(P256PrivateKey)

    /// Wraps a decoded private key.
    public init(_ key: AsymmetricPrivateKey) {
        switch key {
        case .rsa(let rsa): self = .rsa(rsa)
        case .ecP256(let ec): self = .ecP256(ec)
        }
    }

    /// The key that verifies this key's signatures.
    public var verificationKey: JWTVerificationKey {
        switch self {
        case .secret(let secret): .secret(secret)
        case .rsa(let key): .rsa(key.publicKey)
        case .ecP256(let key): .ecP256(key.publicKey)
        }
    }

    /// The algorithm family this key serves.
    public var family: JWTAlgorithm.Family { verificationKey.family }
}

extension AsymmetricPrivateKey {
    /// Generates a key pair for `algorithm` with the sizes Pulsar's
    /// `tokens create-key-pair` (jjwt `Keys.keyPairFor`) uses: RS256 → RSA 2048,
    /// RS384 → RSA 3072, RS512 → RSA 4096, ES256 → P-256.
    public static func generate(for algorithm: JWTAlgorithm, using generator: inout some RandomNumberGenerator) throws(AuthError) -> AsymmetricPrivateKey {
        switch algorithm {
        case .rs256: .rsa(try RSAPrivateKey.generate(bits: 2048, using: &generator))
        case .rs384: .rsa(try RSAPrivateKey.generate(bits: 3072, using: &generator))
        case .rs512: .rsa(try RSAPrivateKey.generate(bits: 4096, using: &generator))
        case .es256: .ecP256(P256PrivateKey.generate(using: &generator))
        case .hs256, .hs384, .hs512:
            throw AuthError(.invalidConfiguration, "\(algorithm) uses a secret key, not a key pair (see SecretKeyCodec.generate)")
        case .other: throw algorithm.unsupportedError
        }
    }

    /// Generates a key pair for `algorithm` using the system random number generator.
    public static func generate(for algorithm: JWTAlgorithm) throws(AuthError) -> AsymmetricPrivateKey {
        var generator = SystemRandomNumberGenerator()
        return try generate(for: algorithm, using: &generator)
    }
}
