import Testing
import PulsarAuth

/// The RFC 7515 Appendix A examples, verified with this module.
@Suite(.timeLimit(.minutes(2))) struct RFC7515Tests {
    static let payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

    /// A.1: HS256 with a 64-byte JWK `k`; header `{"typ":"JWT",\r\n "alg":"HS256"}`.
    @Test func appendixA1HS256() throws {
        let token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." + Self.payload + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        let key = try Base64URL.decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
        let jwt = try JSONWebToken(compact: token)
        #expect(jwt.algorithm == .hs256)
        #expect(jwt.header["typ"] == "JWT")
        #expect(jwt.claims["iss"] == "joe")
        #expect(jwt.claims["exp"] == .integer(1_300_819_380))
        #expect(jwt.claims["http://example.com/is_root"] == .bool(true))
        try jwt.verifySignature(with: .secret(key))
        let validator = try TokenValidator(key: .secret(key), roleClaim: "iss")
        #expect(try validator.validate(token, now: 1_300_819_379).role == "joe")
        #expect(authErrorCode { try validator.validate(token, now: 1_300_819_380) } == .expired)
    }

    /// A.2: RS256 with the appendix's 2048-bit key.
    @Test func appendixA2RS256() throws {
        let token = RFC7515RSAKey.signingInput + "." + RFC7515RSAKey.signature
        let publicKey = try RFC7515RSAKey.privateKey().publicKey
        let validator = try TokenValidator(key: .rsa(publicKey), roleClaim: "iss")
        let result = try validator.validate(token, now: 1_300_000_000)
        #expect(result.role == "joe" && result.algorithm == .rs256 && result.expiresAt == 1_300_819_380)
    }

    /// A.3: ES256 with the appendix's P-256 key (the signature is randomized, so only verified).
    @Test func appendixA3ES256() throws {
        let token = "eyJhbGciOiJFUzI1NiJ9." + Self.payload
            + ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
        let publicKey = try P256PublicKey(x: Base64URL.decode("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"),
                                          y: Base64URL.decode("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"))
        let validator = try TokenValidator(key: .ecP256(publicKey), roleClaim: "iss")
        #expect(try validator.validate(token, now: 1_300_000_000).role == "joe")
        var tampered = Array(token.utf8)
        tampered[tampered.count - 5] = tampered[tampered.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(authErrorCode { try validator.validate(String(decoding: tampered, as: UTF8.self), now: 1_300_000_000) } == .invalidSignature)
    }
}

@Suite(.timeLimit(.minutes(2))) struct JSONWebTokenParsingTests {
    static let header = Base64URL.encode(Array(#"{"alg":"HS256"}"#.utf8))
    static let claims = Base64URL.encode(Array(#"{"sub":"a"}"#.utf8))

    @Test func splitsSegments() throws {
        let jwt = try JSONWebToken(compact: Self.header + "." + Self.claims + ".AAAA")
        #expect(jwt.signingInput == Array((Self.header + "." + Self.claims).utf8))
        #expect(jwt.signature == [0, 0, 0])
        #expect(jwt.subject == "a")
    }

    @Test(arguments: [
        ("", "1 segment"), ("abc", "1 segment"), ("a.b", "2 segments"), ("a.b.c.d", "4 segments"),
        ("a.b.c.d.e", "JWE"), (".\(JSONWebTokenParsingTests.claims).", "empty header"), ("\(JSONWebTokenParsingTests.header)..", "empty payload"),
        ("\(JSONWebTokenParsingTests.header).\(JSONWebTokenParsingTests.claims).!!", "bad signature base64"), ("\(JSONWebTokenParsingTests.header).\(JSONWebTokenParsingTests.claims)=.AAAA", "padding"),
        ("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.AAAA", "payload not JSON"),
        ("eyJhbGciOiJIUzI1NiJ9.WzEsMl0.AAAA", "payload array"),
        ("WyJIUzI1NiJd.\(JSONWebTokenParsingTests.claims).AAAA", "header array"),
        ("e30.\(JSONWebTokenParsingTests.claims).AAAA", "header without alg"),
        ("eyJhbGciOjF9.\(JSONWebTokenParsingTests.claims).AAAA", "alg not a string"),
        ("eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiZXhwIl19.\(JSONWebTokenParsingTests.claims).AAAA", "crit header"),
    ])
    func rejectsMalformedTokens(token: String, why: String) {
        #expect(authErrorCode { try JSONWebToken(compact: token) } == .malformedToken, "\(why)")
    }

    @Test func rejectsOversizedTokens() {
        let huge = Self.header + "." + String(repeating: "A", count: 70_000) + ".x"
        #expect(authErrorCode { try JSONWebToken(compact: huge) } == .malformedToken)
    }

    @Test func algorithmNames() {
        for algorithm in JWTAlgorithm.supported {
            #expect(JWTAlgorithm(name: algorithm.name) == algorithm)
        }
        #expect(JWTAlgorithm(name: "hs256") == .other("hs256"))   // names are case-sensitive
        #expect(!JWTAlgorithm(name: "none").isSupported)
        #expect(JWTAlgorithm.es256.family == .ecdsaP256 && JWTAlgorithm.rs384.digest == .sha384)
    }
}
