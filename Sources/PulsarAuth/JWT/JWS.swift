/// Signing and verification of JWS signing input (RFC 7515 §5) with the supported algorithms.
public enum JWS {
    /// The smallest RSA modulus accepted for RS* (RFC 7518 §3.3).
    public static let minimumRSAModulusBits = 2048

    /// Signs `signingInput` (`BASE64URL(header).BASE64URL(payload)` as ASCII).
    public static func sign(_ signingInput: [UInt8], algorithm: JWTAlgorithm, key: JWTSigningKey) throws(AuthError) -> [UInt8] {
        let digest = try checkAlgorithm(algorithm, keyFamily: key.family)
        try checkStrength(algorithm: algorithm, key: key.verificationKey)
        switch key {
        case .secret(let secret):
            return digest.hmac(key: secret, message: signingInput)
        case .rsa(let privateKey):
            return try privateKey.signature(for: signingInput, digest: digest)
        case .ecP256(let privateKey):
            return privateKey.signature(for: signingInput, digest: digest).rawRepresentation
        }
    }

    /// Verifies a signature, throwing `algorithmMismatch`, `unsupportedAlgorithm`,
    /// `invalidKey` or `invalidSignature` with an explanation.
    public static func verify(signature: [UInt8], signingInput: [UInt8], algorithm: JWTAlgorithm, key: JWTVerificationKey) throws(AuthError) {
        let digest = try checkAlgorithm(algorithm, keyFamily: key.family)
        try checkStrength(algorithm: algorithm, key: key)
        let valid: Bool
        switch key {
        case .secret(let secret):
            valid = HMAC.constantTimeEquals(digest.hmac(key: secret, message: signingInput), signature)
        case .rsa(let publicKey):
            guard signature.count == publicKey.modulusBytes else {
                throw AuthError(.invalidSignature, "\(algorithm) signature is \(signature.count) bytes; the \(publicKey.modulusBits)-bit key needs \(publicKey.modulusBytes)")
            }
            valid = publicKey.isValidSignature(signature, for: signingInput, digest: digest)
        case .ecP256(let publicKey):
            let parsed = try P256Signature(rawRepresentation: signature)
            valid = publicKey.isValidSignature(parsed, for: signingInput, digest: digest)
        }
        guard valid else {
            throw AuthError(.invalidSignature, "the \(algorithm) signature does not match the token contents and the configured key")
        }
    }

    /// Checks that `algorithm` is supported and fits the key family; returns its digest.
    static func checkAlgorithm(_ algorithm: JWTAlgorithm, keyFamily: JWTAlgorithm.Family) throws(AuthError) -> DigestAlgorithm {
        guard let family = algorithm.family, let digest = algorithm.digest else {
            throw algorithm.unsupportedError
        }
        guard family == keyFamily else {
            throw AuthError(.algorithmMismatch, "token algorithm \(algorithm) needs \(family.rawValue) key, but the configured key is \(keyFamily.rawValue)")
        }
        return digest
    }

    /// RFC 7518 key-size rules: HMAC secrets at least as long as the digest, RSA ≥ 2048 bits.
    static func checkStrength(algorithm: JWTAlgorithm, key: JWTVerificationKey) throws(AuthError) {
        switch key {
        case .secret(let secret):
            let needed = algorithm.digest?.digestSize ?? 0
            guard secret.count >= needed else {
                throw AuthError(.invalidKey, "\(algorithm) needs a secret of at least \(needed) bytes (\(needed * 8) bits); the configured secret has \(secret.count) bytes")
            }
        case .rsa(let publicKey):
            guard publicKey.modulusBits >= minimumRSAModulusBits else {
                throw AuthError(.invalidKey, "\(algorithm) needs an RSA key of at least \(minimumRSAModulusBits) bits; the configured key has \(publicKey.modulusBits)")
            }
        case .ecP256:
            break
        }
    }
}
