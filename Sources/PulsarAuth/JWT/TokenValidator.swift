/// The result of a successful validation.
public struct ValidatedToken: Sendable, Hashable {
    /// The role (principal) taken from the role claim.
    public let role: String
    /// The `exp` claim in Unix seconds (fractions dropped), or `nil` if the token never expires.
    public let expiresAt: UInt64?
    /// The verified algorithm.
    public let algorithm: JWTAlgorithm
    /// The protected header.
    public let header: JSONObject
    /// All claims.
    public let claims: JSONObject
}

/// Validates tokens the way Pulsar's `AuthenticationProviderToken` does.
///
/// Checks, in order: compact-form parsing; the `alg` is supported, is not `none`, and
/// fits the key type (HS* only with a secret, RS* only with an RSA key, ES256 only with
/// a P-256 key — so an HS256 token "signed" with a public key is refused); RFC 7518 key
/// sizes; the signature; `exp` > now (absent: never expires); `nbf` ≤ now; the role
/// claim; the audience. There is no clock-skew allowance.
public struct TokenValidator: Sendable {
    /// The verification key.
    public let key: JWTVerificationKey
    /// The broker's `tokenPublicAlg`: RS256 by default for RSA keys, ES256 for P-256
    /// keys, `nil` for secrets. Like the broker (jjwt), any algorithm of the same family
    /// is accepted (an RSA key verifies RS256, RS384 and RS512 tokens).
    public let publicAlgorithm: JWTAlgorithm?
    /// The claim holding the role (`tokenAuthClaim`, default `sub`); when it is an array
    /// its first element is used if that is a string.
    public let roleClaim: String
    /// The claim holding the audience (`tokenAudienceClaim`), or `nil` for no audience check.
    public let audienceClaim: String?
    /// The audience this service requires (`tokenAudience`).
    public let audience: String?

    /// Configures a validator.
    ///
    /// - Throws: `invalidConfiguration` if `publicAlgorithm` does not fit the key, if
    ///   `roleClaim` is empty, or if only one of `audienceClaim` / `audience` is given
    ///   (an `audience` alone implies `audienceClaim: "aud"`).
    public init(
        key: JWTVerificationKey, publicAlgorithm: JWTAlgorithm? = nil, roleClaim: String = "sub",
        audienceClaim: String? = nil, audience: String? = nil
    ) throws(AuthError) {
        switch key {
        case .secret:
            if let publicAlgorithm, publicAlgorithm.family != .hmac {
                throw AuthError(.invalidConfiguration, "public algorithm \(publicAlgorithm) cannot be used with a secret key")
            }
            self.publicAlgorithm = nil
        case .rsa, .ecP256:
            let chosen = publicAlgorithm ?? (key.family == .rsa ? .rs256 : .es256)
            guard let family = chosen.family else { throw chosen.unsupportedError }
            guard family == key.family else {
                throw AuthError(.invalidConfiguration, "public algorithm \(chosen) needs \(family.rawValue) key, but the key is \(key.family.rawValue)")
            }
            self.publicAlgorithm = chosen
        }
        guard !roleClaim.isEmpty else {
            throw AuthError(.invalidConfiguration, "the role claim name is empty")
        }
        if audienceClaim != nil && audience == nil {
            throw AuthError(.invalidConfiguration, "audience claim \"\(audienceClaim!)\" is configured but no audience for this service is")
        }
        self.key = key
        self.roleClaim = roleClaim
        self.audienceClaim = audience == nil ? nil : (audienceClaim ?? "aud")
        self.audience = audience
    }

    /// Validates a compact token at time `now` (Unix seconds).
    public func validate(_ token: String, now: UInt64) throws(AuthError) -> ValidatedToken {
        let jwt = try JSONWebToken(compact: token)
        try jwt.verifySignature(with: key)
        let expiresAt = try Self.numericDate(jwt.claims, "exp")
        if let expiresAt, !(Double(now) < expiresAt) {
            throw AuthError(.expired, "token expired at \(Self.describe(expiresAt)) (now is \(now))")
        }
        if let notBefore = try Self.numericDate(jwt.claims, "nbf"), Double(now) < notBefore {
            throw AuthError(.notYetValid, "token is not valid before \(Self.describe(notBefore)) (now is \(now))")
        }
        let role = try role(in: jwt.claims)
        try checkAudience(jwt.claims)
        return ValidatedToken(
            role: role,
            expiresAt: expiresAt.map { $0 <= 0 ? 0 : ($0 >= 1.8e19 ? UInt64.max : UInt64($0)) },
            algorithm: jwt.algorithm, header: jwt.header, claims: jwt.claims
        )
    }

    private static func numericDate(_ claims: JSONObject, _ name: String) throws(AuthError) -> Double? {
        guard let value = claims[name] else { return nil }
        guard let seconds = value.numberValue else {
            throw AuthError(.invalidClaim, "claim \"\(name)\" must be a number of seconds since the epoch, found \(value.serialized)")
        }
        return seconds
    }

    private static func describe(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 9e15 ? String(Int64(seconds)) : "\(seconds)"
    }

    private func role(in claims: JSONObject) throws(AuthError) -> String {
        guard let value = claims[roleClaim] else {
            throw AuthError(.missingRoleClaim, "token has no \"\(roleClaim)\" claim to take the role from")
        }
        let role: String
        switch value {
        case .string(let string):
            role = string
        case .array(let elements):
            guard let first = elements.first?.stringValue else {
                throw AuthError(.missingRoleClaim, "role claim \"\(roleClaim)\" is an array whose first element is not a string")
            }
            role = first
        default:
            throw AuthError(.missingRoleClaim, "role claim \"\(roleClaim)\" must be a string or an array of strings, found \(value.serialized)")
        }
        guard !role.isEmpty else {
            throw AuthError(.missingRoleClaim, "role claim \"\(roleClaim)\" is an empty string")
        }
        return role
    }

    private func checkAudience(_ claims: JSONObject) throws(AuthError) {
        guard let audienceClaim, let audience else { return }
        guard let value = claims[audienceClaim] else {
            throw AuthError(.audienceMismatch, "token has no \"\(audienceClaim)\" audience claim; \"\(audience)\" is required")
        }
        switch value {
        case .string(let string):
            guard string == audience else {
                throw AuthError(.audienceMismatch, "token audience \"\(string)\" is not \"\(audience)\"")
            }
        case .array(let elements):
            guard elements.contains(.string(audience)) else {
                throw AuthError(.audienceMismatch, "token audiences \(value.serialized) do not include \"\(audience)\"")
            }
        default:
            throw AuthError(.audienceMismatch, "audience claim \"\(audienceClaim)\" must be a string or an array of strings, found \(value.serialized)")
        }
    }
}
