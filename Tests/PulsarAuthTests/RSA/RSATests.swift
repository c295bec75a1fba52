import Testing
import PulsarAuth

/// The RSA key of RFC 7515 Appendix A.2 (JWK members, base64url).
enum RFC7515RSAKey {
    static let n = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
    static let d = "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ"
    static let p = "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc"
    static let q = "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc"
    /// `eyJhbGciOiJSUzI1NiJ9` ‖ "." ‖ the payload of A.1.
    static let signingInput = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    static let signature = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"

    static func integer(_ base64url: String) throws -> BigUInt {
        BigUInt(bigEndianBytes: try Base64URL.decode(base64url))
    }

    static func privateKey() throws -> RSAPrivateKey {
        try RSAPrivateKey(modulus: integer(n), publicExponent: BigUInt(65537), privateExponent: integer(d),
                          prime1: integer(p), prime2: integer(q))
    }
}

@Suite(.timeLimit(.minutes(3))) struct RSATests {
    /// PKCS #1 v1.5 is deterministic, so signing A.2's input must reproduce A.2's signature.
    @Test func rfc7515AppendixA2SignAndVerify() throws {
        let key = try RFC7515RSAKey.privateKey()
        let input = Array(RFC7515RSAKey.signingInput.utf8)
        let expected = try Base64URL.decode(RFC7515RSAKey.signature)
        #expect(key.publicKey.modulusBits == 2048)
        #expect(try key.signature(for: input, digest: .sha256) == expected)
        #expect(key.publicKey.isValidSignature(expected, for: input, digest: .sha256))
        #expect(!key.publicKey.isValidSignature(expected, for: input, digest: .sha512))
        #expect(!key.publicKey.isValidSignature(expected, for: input + [0x20], digest: .sha256))
    }

    @Test func malformedSignaturesAreRejected() throws {
        let publicKey = try RFC7515RSAKey.privateKey().publicKey
        let input = Array(RFC7515RSAKey.signingInput.utf8)
        let signature = try Base64URL.decode(RFC7515RSAKey.signature)
        var flipped = signature
        flipped[100] ^= 0x01
        #expect(!publicKey.isValidSignature(flipped, for: input, digest: .sha256))
        #expect(!publicKey.isValidSignature(Array(signature.dropFirst()), for: input, digest: .sha256))
        #expect(!publicKey.isValidSignature([0] + signature, for: input, digest: .sha256))
        let tooLarge = publicKey.modulus.bigEndianBytes()  // s = n is out of range
        #expect(!publicKey.isValidSignature(tooLarge, for: input, digest: .sha256))
        #expect(!publicKey.isValidSignature([UInt8](repeating: 0, count: 256), for: input, digest: .sha256))
    }

    @Test func keyValidation() throws {
        let key = try RFC7515RSAKey.privateKey()
        #expect(authErrorCode { try RSAPublicKey(modulus: BigUInt(3233), publicExponent: BigUInt(17)) } == .invalidKey)
        #expect(authErrorCode { try RSAPublicKey(modulus: key.modulus, publicExponent: BigUInt(65536)) } == .invalidKey)
        #expect(authErrorCode { try RSAPublicKey(modulus: key.modulus + BigUInt(1), publicExponent: BigUInt(65537)) } == .invalidKey)
        #expect(authErrorCode {
            try RSAPrivateKey(modulus: key.modulus, publicExponent: BigUInt(65537), privateExponent: key.privateExponent + BigUInt(2),
                              prime1: key.prime1, prime2: key.prime2)
        } == .invalidKey)
    }

    /// One RSA-2048 generation for the whole run (deterministic seed), on a thread of its own.
    @Test func generatedKeySignsAndVerifies() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let key = await offTheTestThreads {
            var generator = SeededRandom(seed: 2048)
            return try! RSAPrivateKey.generate(bits: 2048, using: &generator)
        }
        print("RSA-2048 key generated in \(clock.now - start)")
        #expect(key.modulus.bitWidth == 2048)
        #expect(key.publicKey.publicExponent == BigUInt(65537))
        #expect(key.prime1 > key.prime2)
        let one = BigUInt(1)
        #expect((key.publicKey.publicExponent * key.privateExponent) % BigUInt.lcm(key.prime1 - one, key.prime2 - one) == one)
        let message = Array("keygen → sign → verify".utf8)
        for digest in DigestAlgorithm.allCases {
            let signature = try key.signature(for: message, digest: digest)
            #expect(signature.count == 256)
            #expect(key.publicKey.isValidSignature(signature, for: message, digest: digest))
            #expect(!key.publicKey.isValidSignature(signature, for: message + [0], digest: digest))
        }
    }

    @Test func generationRejectsBadSizes() {
        #expect(authErrorCode { try RSAPrivateKey.generate(bits: 512) } == .invalidConfiguration)
        #expect(authErrorCode { try RSAPrivateKey.generate(bits: 2049) } == .invalidConfiguration)
    }
}
