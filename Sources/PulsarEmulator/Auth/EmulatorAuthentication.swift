import PulsarAuth

/// JWT token authentication and role-based authorization for the emulator, like a broker configured with
/// `authenticationEnabled=true`, `authenticationProviders=AuthenticationProviderToken` and `authorizationEnabled=true`.
///
/// ```swift
/// var configuration = EmulatorConfiguration()
/// configuration.authentication = .generatedSecret()            // or .secretKey(bytes), .publicKey(der), .fromSettings(…)
/// configuration.authentication?.superuserRoles = ["admin"]
/// configuration.authentication?.grants = [PermissionGrant(role: "svc", namespace: "public/default", actions: [.produce, .consume])]
/// try await withPulsarEmulator(configuration) { emulator in
///     let token = try emulator.mintToken(role: "svc", expiresIn: .seconds(3600))
///     // give `token` to the client (PULSAR_JWT_TOKEN, Authentication.token(_:), …)
/// }
/// ```
///
/// CONNECT must carry `auth_method_name = "token"` and a token that verifies with ``verificationKey``; `exp` and
/// `nbf` are checked against the emulator's clock. A refusal is `ERROR(request_id = 2^64-1, AuthenticationError)`
/// and the connection is closed. A token that expires on an open connection is found every
/// ``refreshCheckInterval``: clients that announced `supports_auth_refresh` get AUTH_CHALLENGE and must answer with a
/// valid token for the same role; others are disconnected.
public struct EmulatorAuthentication: Sendable {
    /// The key tokens must verify with (`tokenSecretKey`, or `tokenPublicKey`).
    public var verificationKey: JWTVerificationKey
    /// `tokenPublicAlg` for public keys: RS256 (default for RSA keys), RS384, RS512 or ES256. Ignored for secrets.
    /// Like the broker, any algorithm of the key's family verifies.
    public var publicAlgorithm: JWTAlgorithm?
    /// The key ``mintToken(role:expiresAt:algorithm:extraClaims:)`` signs with: the secret itself, or the private key
    /// of a generated pair. Nil when only a public key is known.
    public var signingKey: JWTSigningKey?
    /// The claim holding the role (`tokenAuthClaim`, default `sub`); a list claim yields its first string.
    public var roleClaim = "sub"
    /// The claim holding the audience (`tokenAudienceClaim`); only checked when ``audience`` is set (`aud` if nil).
    public var audienceClaim: String?
    /// The audience tokens must name (`tokenAudience`), or nil for no audience check.
    public var audience: String?
    /// Role given to clients that send no credentials (`anonymousUserRole`); nil (the default) refuses them.
    public var anonymousRole: String?
    /// How often open connections are checked for expired tokens (`authenticationRefreshCheckSeconds`, 60 s).
    public var refreshCheckInterval: Duration = .seconds(60)
    /// Whether roles are checked against ``superuserRoles`` and ``grants`` (`authorizationEnabled`). On by default,
    /// as in deployments that turn authentication on; when off, every authenticated role may do everything.
    public var authorizationEnabled = true
    /// Roles allowed everything, the admin REST API included (`superUserRoles`).
    public var superuserRoles: Set<String> = []
    /// Produce / consume permissions at start-up; the admin REST API adds and revokes more at run time.
    public var grants: [PermissionGrant] = []

    /// Authentication with `verificationKey`; pass `signingKey` to let tests mint tokens through the emulator.
    public init(verificationKey: JWTVerificationKey, publicAlgorithm: JWTAlgorithm? = nil, signingKey: JWTSigningKey? = nil) {
        self.verificationKey = verificationKey
        self.publicAlgorithm = publicAlgorithm
        self.signingKey = signingKey
    }

    /// HS256 / HS384 / HS512 tokens signed with `secret` (the bytes of a `tokens create-secret-key` file).
    public static func secretKey(_ secret: [UInt8]) -> EmulatorAuthentication {
        EmulatorAuthentication(verificationKey: .secret(secret), signingKey: .secret(secret))
    }

    /// Tokens signed by the private half of `publicKey` (SubjectPublicKeyInfo, DER or PEM), checked with `algorithm`
    /// (`tokenPublicAlg`: RS256, RS384, RS512 or ES256).
    ///
    /// - Throws: ``EmulatorError`` (``EmulatorError/Code/invalidKey``) if the key cannot be decoded or does not fit
    ///   the algorithm.
    public static func publicKey(_ publicKey: [UInt8], algorithm: JWTAlgorithm = .rs256) throws(EmulatorError) -> EmulatorAuthentication {
        do {
            return EmulatorAuthentication(verificationKey: try .publicKey(derOrPEM: publicKey, algorithm: algorithm),
                                          publicAlgorithm: algorithm)
        } catch {
            throw EmulatorError(error, fallback: .invalidKey)
        }
    }

    /// Authentication from broker-style settings. Values take the broker's forms: `data:;base64,<base64>`,
    /// `file:///path`, a file path, or bare base64. A secret key file holds raw bytes (as written by
    /// `tokens create-secret-key`); if both keys are given the secret wins, like the broker.
    ///
    /// - Throws: ``EmulatorError``: ``EmulatorError/Code/invalidConfiguration`` if neither key is given,
    ///   ``EmulatorError/Code/invalidKey`` if a file cannot be read or a key cannot be decoded.
    public static func fromSettings(tokenSecretKey: String? = nil, tokenPublicKey: String? = nil,
                                    tokenPublicAlg: String? = nil) throws(EmulatorError) -> EmulatorAuthentication {
        guard tokenSecretKey != nil || tokenPublicKey != nil else {
            throw EmulatorError(.invalidConfiguration, "token authentication needs a secret key or a public key")
        }
        let key: [UInt8]
        do {
            key = try KeySource.loadKey(configValue: tokenSecretKey ?? tokenPublicKey ?? "")
            if tokenSecretKey != nil { return .secretKey(try SecretKeyCodec.decode(fileContents: key)) }
        } catch {
            throw EmulatorError(error, fallback: .invalidKey)
        }
        return try .publicKey(key, algorithm: JWTAlgorithm(name: tokenPublicAlg ?? "RS256"))
    }

    /// A fresh random 32-byte HS256 secret, for tests that mint their tokens with ``mintToken(role:expiresAt:algorithm:extraClaims:)``
    /// or ``PulsarEmulator/mintToken(role:expiresIn:)``.
    public static func generatedSecret() -> EmulatorAuthentication {
        .secretKey(SecretKeyCodec.generate(byteCount: 32))
    }

    /// A fresh key pair (ES256 by default: instant; RS256 takes a moment to generate) whose private key mints tokens.
    ///
    /// - Throws: ``EmulatorError`` (``EmulatorError/Code/invalidKey``) for an algorithm without key pairs (HS*).
    public static func generatedKeyPair(algorithm: JWTAlgorithm = .es256) throws(EmulatorError) -> EmulatorAuthentication {
        let privateKey: JWTSigningKey
        do {
            privateKey = JWTSigningKey(try AsymmetricPrivateKey.generate(for: algorithm))
        } catch {
            throw EmulatorError(error, fallback: .invalidKey)
        }
        return EmulatorAuthentication(verificationKey: privateKey.verificationKey, publicAlgorithm: algorithm, signingKey: privateKey)
    }

    /// The validator these settings describe.
    ///
    /// - Throws: ``EmulatorError`` for inconsistent settings, e.g. an RSA key with ES256
    ///   (``EmulatorError/Code/invalidConfiguration``), or a secret shorter than HS256's 32 bytes
    ///   (``EmulatorError/Code/invalidKey``; the broker refuses such keys at start-up too).
    public func makeValidator() throws(EmulatorError) -> TokenValidator {
        do {
            return try makeTokenValidator()
        } catch {
            throw EmulatorError(error, fallback: .invalidConfiguration)
        }
    }

    /// ``makeValidator()`` with PulsarAuth's error, which the broker puts in its CONNECT refusals.
    func makeTokenValidator() throws(AuthError) -> TokenValidator {
        if case .secret(let secret) = verificationKey, secret.count < 32 {
            throw AuthError(.invalidKey, "the secret key is \(secret.count) bytes; HS256 needs at least 32 (a setting that "
                            + "is neither an existing file nor a data: or file: URL is read as base64)")
        }
        return try TokenValidator(key: verificationKey, publicAlgorithm: publicAlgorithm, roleClaim: roleClaim,
                                  audienceClaim: audienceClaim, audience: audience)
    }

    /// Mints a token for `role` the emulator accepts, like `pulsar tokens create --subject role`: header
    /// `{"alg":…}`, claims `{"sub":role,"exp":…}` (the role goes in ``roleClaim``; `aud` is added when an
    /// ``audience`` is required). `expiresAt` is in Unix seconds; nil never expires.
    ///
    /// - Throws: ``EmulatorError``: ``EmulatorError/Code/invalidConfiguration`` when there is no ``signingKey`` (a
    ///   public key alone cannot sign), ``EmulatorError/Code/tokenMinting`` when signing fails.
    public func mintToken(role: String, expiresAt: Int64? = nil, algorithm: JWTAlgorithm? = nil,
                          extraClaims: JSONObject = [:]) throws(EmulatorError) -> String {
        guard let signingKey else {
            throw EmulatorError(.invalidConfiguration, "this authentication has a public key only; mint tokens with the private key")
        }
        let algorithm = algorithm ?? defaultAlgorithm(for: signingKey)
        var claims: JSONObject = [roleClaim: .string(role)]
        if let expiresAt { claims["exp"] = .integer(expiresAt) }
        if let audience, claims[audienceClaim ?? "aud"] == nil { claims[audienceClaim ?? "aud"] = .string(audience) }
        for (name, value) in extraClaims { claims[name] = value }
        do {
            return try TokenMinter.mint(claims: claims, algorithm: algorithm, key: signingKey)
        } catch {
            throw EmulatorError(error, fallback: .tokenMinting)
        }
    }

    /// One line for the log: key type, claims, authorization.
    var summary: String {
        let key = switch verificationKey {
        case .secret(let secret): "a \(secret.count)-byte secret (HS256/384/512)"
        case .rsa: "an RSA public key (\(publicAlgorithm ?? .rs256))"
        case .ecP256: "a P-256 public key (ES256)"
        }
        var line = "token authentication on: \(key), role claim '\(roleClaim)'"
        if let audience { line += ", audience '\(audience)' in '\(audienceClaim ?? "aud")'" }
        if let anonymousRole { line += ", anonymous role '\(anonymousRole)'" }
        guard authorizationEnabled else { return line + "; authorization off" }
        return line + "; authorization on, superusers [\(superuserRoles.sorted().joined(separator: ", "))], "
            + "\(grants.count) grant\(grants.count == 1 ? "" : "s")"
    }

    private func defaultAlgorithm(for key: JWTSigningKey) -> JWTAlgorithm {
        switch key {
        case .secret: .hs256
        case .rsa: publicAlgorithm?.family == .rsa ? publicAlgorithm! : .rs256
        case .ecP256: .es256
        }
    }
}
