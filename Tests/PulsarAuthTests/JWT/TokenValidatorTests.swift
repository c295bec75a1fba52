import Testing
import PulsarAuth

@Suite(.timeLimit(.minutes(2))) struct TokenValidatorTests {
    static let now: UInt64 = 1_700_000_000
    static let later: UInt64 = 1_800_000_000

    static func signingKey(for algorithm: JWTAlgorithm) -> JWTSigningKey {
        switch algorithm.family {
        case .hmac: .secret(SharedKeys.secret64)
        case .rsa: .rsa(SharedKeys.rsa2048)
        default: .ecP256(SharedKeys.p256)
        }
    }

    @Test(arguments: JWTAlgorithm.supported)
    func mintThenValidate(algorithm: JWTAlgorithm) throws {
        let key = Self.signingKey(for: algorithm)
        let token = try TokenMinter.mint(subject: "svc-\(algorithm.name)", expiresAt: Self.later, algorithm: algorithm, key: key)
        let jwt = try JSONWebToken(compact: token)
        #expect(jwt.header.serialized == #"{"alg":"\#(algorithm.name)"}"#)
        #expect(jwt.claims.serialized == #"{"sub":"svc-\#(algorithm.name)","exp":1800000000}"#)
        let validator = try TokenValidator(key: key.verificationKey)
        let result = try validator.validate(token, now: Self.now)
        #expect(result.role == "svc-\(algorithm.name)")
        #expect(result.expiresAt == Self.later)
        #expect(result.algorithm == algorithm)
    }

    /// Pulsar's CLI output shape, byte for byte, for a deterministic algorithm.
    @Test func mintedHS256MatchesTheCLIShape() throws {
        let token = try TokenMinter.mint(subject: "role", expiresAt: 123, algorithm: .hs256, key: .secret(SharedKeys.secret64))
        let parts = token.split(separator: ".")
        #expect(parts[0] == "eyJhbGciOiJIUzI1NiJ9")                       // {"alg":"HS256"}
        #expect(parts[1] == "eyJzdWIiOiJyb2xlIiwiZXhwIjoxMjN9")           // {"sub":"role","exp":123}
        #expect(try Base64URL.decode(parts[2]) == HMAC.sha256(key: SharedKeys.secret64, message: Array(parts[0...1].joined(separator: ".").utf8)))
    }

    @Test func algorithmMustFitTheKeyType() throws {
        let hsToken = try TokenMinter.mint(subject: "a", algorithm: .hs256, key: .secret(SharedKeys.secret64))
        let rsToken = try TokenMinter.mint(subject: "a", algorithm: .rs256, key: .rsa(SharedKeys.rsa2048))
        let esToken = try TokenMinter.mint(subject: "a", algorithm: .es256, key: .ecP256(SharedKeys.p256))
        let secret = try TokenValidator(key: .secret(SharedKeys.secret64))
        let rsa = try TokenValidator(key: .rsa(SharedKeys.rsa2048.publicKey))
        let ec = try TokenValidator(key: .ecP256(SharedKeys.p256.publicKey))
        #expect(authErrorCode { try secret.validate(rsToken, now: Self.now) } == .algorithmMismatch)
        #expect(authErrorCode { try secret.validate(esToken, now: Self.now) } == .algorithmMismatch)
        #expect(authErrorCode { try rsa.validate(hsToken, now: Self.now) } == .algorithmMismatch)
        #expect(authErrorCode { try rsa.validate(esToken, now: Self.now) } == .algorithmMismatch)
        #expect(authErrorCode { try ec.validate(hsToken, now: Self.now) } == .algorithmMismatch)
        #expect(authErrorCode { try ec.validate(rsToken, now: Self.now) } == .algorithmMismatch)
    }

    /// The classic attack: an HS256 token keyed with the bytes of the RSA public key.
    @Test func algorithmConfusionIsRefused() throws {
        let publicPEM = Array(SharedKeys.rsa2048.publicKey.pemRepresentation.utf8)
        let forged = try TokenMinter.mint(subject: "admin", algorithm: .hs256, key: .secret(publicPEM))
        let validator = try TokenValidator(key: .rsa(SharedKeys.rsa2048.publicKey))
        do {
            _ = try validator.validate(forged, now: Self.now)
            Issue.record("forged token accepted")
        } catch {
            #expect(error.code == .algorithmMismatch)
            #expect(error.message.contains("HS256"))
        }
    }

    @Test func unsecuredAndUnknownAlgorithmsAreRefused() throws {
        let claims = Base64URL.encode(Array(#"{"sub":"admin"}"#.utf8))
        let validator = try TokenValidator(key: .secret(SharedKeys.secret64))
        for header in [#"{"alg":"none"}"#, #"{"alg":"None"}"#, #"{"alg":"HS1"}"#, #"{"alg":"PS256"}"#] {
            let token = Base64URL.encode(Array(header.utf8)) + "." + claims + "."
            #expect(authErrorCode { try validator.validate(token, now: Self.now) } == .unsupportedAlgorithm, "\(header)")
        }
        do {
            _ = try validator.validate(Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)) + "." + claims + ".", now: Self.now)
            Issue.record("an unsecured token was accepted")
        } catch {
            #expect(error.code == .unsupportedAlgorithm)
            #expect(error.message.contains("none"))
        }
        #expect(authErrorCode { try TokenMinter.mint(subject: "a", algorithm: .other("none"), key: .secret(SharedKeys.secret64)) } == .unsupportedAlgorithm)
    }

    @Test func expiryAndNotBefore() throws {
        let key = JWTSigningKey.secret(SharedKeys.secret64)
        let validator = try TokenValidator(key: key.verificationKey)
        let token = try TokenMinter.mint(subject: "a", expiresAt: Self.now + 1, algorithm: .hs512, key: key)
        #expect(try validator.validate(token, now: Self.now).expiresAt == Self.now + 1)
        #expect(authErrorCode { try validator.validate(token, now: Self.now + 1) } == .expired)
        let noExpiry = try TokenMinter.mint(subject: "a", algorithm: .hs512, key: key)
        #expect(try validator.validate(noExpiry, now: UInt64(Int64.max)).expiresAt == nil)
        let notBefore = try TokenMinter.mint(subject: "a", algorithm: .hs256, key: key, extraClaims: ["nbf": .integer(Int64(Self.now))])
        #expect(authErrorCode { try validator.validate(notBefore, now: Self.now - 1) } == .notYetValid)
        #expect(try validator.validate(notBefore, now: Self.now).role == "a")
        let fractional = try TokenMinter.mint(claims: ["sub": "a", "exp": .double(Double(Self.now) + 0.5)], algorithm: .hs256, key: key)
        #expect(try validator.validate(fractional, now: Self.now).expiresAt == Self.now)
        #expect(authErrorCode { try validator.validate(fractional, now: Self.now + 1) } == .expired)
        let stringExpiry = try TokenMinter.mint(claims: ["sub": "a", "exp": "tomorrow"], algorithm: .hs256, key: key)
        #expect(authErrorCode { try validator.validate(stringExpiry, now: Self.now) } == .invalidClaim)
    }

    @Test func roleClaim() throws {
        let key = JWTSigningKey.secret(SharedKeys.secret64)
        func role(_ claims: JSONObject, claim: String = "sub") throws(AuthError) -> String {
            let token = try TokenMinter.mint(claims: claims, algorithm: .hs256, key: key)
            return try TokenValidator(key: key.verificationKey, roleClaim: claim).validate(token, now: Self.now).role
        }
        #expect(try role(["sub": "alice"]) == "alice")
        #expect(try role(["roles": ["admin", "reader"]], claim: "roles") == "admin")
        #expect(authErrorCode { try role(["roles": [1, "x"]], claim: "roles") } == .missingRoleClaim)
        #expect(authErrorCode { try role(["roles": []], claim: "roles") } == .missingRoleClaim)
        #expect(authErrorCode { try role(["sub": 5]) } == .missingRoleClaim)
        #expect(authErrorCode { try role(["sub": ""]) } == .missingRoleClaim)
        #expect(authErrorCode { try role(["name": "x"]) } == .missingRoleClaim)
    }

    @Test func audience() throws {
        let key = JWTSigningKey.secret(SharedKeys.secret64)
        func check(_ aud: JSONValue?, claim: String? = "aud") throws(AuthError) -> String {
            var claims: JSONObject = ["sub": "a"]
            if let aud { claims[claim ?? "aud"] = aud }
            let token = try TokenMinter.mint(claims: claims, algorithm: .hs256, key: key)
            return try TokenValidator(key: key.verificationKey, audienceClaim: claim, audience: "broker").validate(token, now: Self.now).role
        }
        #expect(try check("broker") == "a")
        #expect(try check(["x", "broker"]) == "a")
        #expect(try check("broker", claim: "custom_aud") == "a")
        #expect(try check("broker", claim: nil) == "a")                  // audience alone implies "aud"
        #expect(authErrorCode { try check("other") } == .audienceMismatch)
        #expect(authErrorCode { try check(["x", "y"]) } == .audienceMismatch)
        #expect(authErrorCode { try check(nil) } == .audienceMismatch)
        #expect(authErrorCode { try check(7) } == .audienceMismatch)
    }

    @Test func configurationAndKeyStrengthErrors() throws {
        let rsaKey = JWTVerificationKey.rsa(SharedKeys.rsa2048.publicKey)
        #expect(try TokenValidator(key: rsaKey).publicAlgorithm == .rs256)
        #expect(try TokenValidator(key: .ecP256(SharedKeys.p256.publicKey)).publicAlgorithm == .es256)
        #expect(authErrorCode { try TokenValidator(key: rsaKey, publicAlgorithm: .es256) } == .invalidConfiguration)
        #expect(authErrorCode { try TokenValidator(key: .secret([1]), publicAlgorithm: .rs256) } == .invalidConfiguration)
        #expect(authErrorCode { try TokenValidator(key: rsaKey, audienceClaim: "aud") } == .invalidConfiguration)
        #expect(authErrorCode { try TokenValidator(key: rsaKey, roleClaim: "") } == .invalidConfiguration)
        let shortSecret = JWTSigningKey.secret([UInt8](repeating: 1, count: 32))
        #expect(authErrorCode { try TokenMinter.mint(subject: "a", algorithm: .hs384, key: shortSecret) } == .invalidKey)
        #expect(authErrorCode { try TokenMinter.mint(subject: "a", algorithm: .hs256, key: .secret([1, 2, 3])) } == .invalidKey)
        #expect(authErrorCode { try TokenMinter.mint(subject: "a", algorithm: .hs256, key: shortSecret, extraClaims: ["sub": "b"]) } == .invalidConfiguration)
        #expect(authErrorCode { try TokenMinter.mint(subject: "a", algorithm: .hs256, key: shortSecret, extraHeaders: ["alg": "none"]) } == .invalidConfiguration)
        let withKid = try TokenMinter.mint(subject: "a", algorithm: .hs256, key: shortSecret, extraHeaders: ["kid": "k1"])
        #expect(try JSONWebToken(compact: withKid).header.serialized == #"{"alg":"HS256","kid":"k1"}"#)
    }

    @Test func publicKeyDecodingFollowsTheConfiguredAlgorithm() throws {
        let rsaDER = try Fixtures.bytes("rsa-public.der")
        let ecPEM = try Fixtures.bytes("ec-public.pem")
        #expect(try JWTVerificationKey.publicKey(derOrPEM: rsaDER).family == .rsa)
        #expect(try JWTVerificationKey.publicKey(derOrPEM: ecPEM, algorithm: .es256).family == .ecdsaP256)
        #expect(authErrorCode { try JWTVerificationKey.publicKey(derOrPEM: ecPEM) } == .invalidKey)   // default RS256
        #expect(authErrorCode { try JWTVerificationKey.publicKey(derOrPEM: rsaDER, algorithm: .hs256) } == .invalidConfiguration)
    }

    @Test func keyPairGenerationForES256() throws {
        let pair = try AsymmetricPrivateKey.generate(for: .es256)
        let token = try TokenMinter.mint(subject: "kp", algorithm: .es256, key: JWTSigningKey(pair))
        let publicKey = try JWTVerificationKey.publicKey(derOrPEM: pair.publicKey.spkiDER, algorithm: .es256)
        #expect(try TokenValidator(key: publicKey).validate(token, now: Self.now).role == "kp")
        #expect(authErrorCode { try AsymmetricPrivateKey.generate(for: .hs256) } == .invalidConfiguration)
    }
}
