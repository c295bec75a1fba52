import Testing
import PulsarAuth

/// RFC 6979 Appendix A.2.5 (P-256) key and the deterministic signatures it lists.
enum RFC6979P256 {
    static let privateKey = hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")
    static let publicX = hex("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6")
    static let publicY = hex("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299")
    static let sampleSignature = hex("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
        + "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8")
    static let testSignature = hex("F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367"
        + "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083")
}

@Suite(.timeLimit(.minutes(2))) struct P256Tests {
    static let n = hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551")
    static let p = hex("FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF")
    static let gx = hex("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296")
    static let gy = hex("4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5")

    @Test func rfc6979KeyAndDeterministicSignatures() throws {
        let key = try P256PrivateKey(rawRepresentation: RFC6979P256.privateKey)
        #expect(key.publicKey.xBytes == RFC6979P256.publicX)
        #expect(key.publicKey.yBytes == RFC6979P256.publicY)
        let sample = key.signature(for: Array("sample".utf8))
        #expect(sample.rawRepresentation == RFC6979P256.sampleSignature)
        #expect(key.signature(for: Array("test".utf8)).rawRepresentation == RFC6979P256.testSignature)
        #expect(key.publicKey.isValidSignature(sample, for: Array("sample".utf8)))
        #expect(!key.publicKey.isValidSignature(sample, for: Array("samplf".utf8)))
    }

    /// Signatures are malleable in s: (r, n − s) also verifies, and ECDSA here has no low-s rule.
    @Test func highSIsAccepted() throws {
        let publicKey = try P256PublicKey(x: RFC6979P256.publicX, y: RFC6979P256.publicY)
        let s = BigUInt(bigEndianBytes: RFC6979P256.sampleSignature[32...])
        let negated = BigUInt(bigEndianBytes: Self.n) - s
        let malleated = try P256Signature(rawRepresentation: Array(RFC6979P256.sampleSignature[..<32]) + negated.bigEndianBytes(length: 32)!)
        #expect(publicKey.isValidSignature(malleated, for: Array("sample".utf8)))
    }

    /// Wycheproof-style edge cases for signature values.
    @Test func outOfRangeSignatureValuesAreRejected() throws {
        let r = Array(RFC6979P256.sampleSignature[..<32])
        let s = Array(RFC6979P256.sampleSignature[32...])
        let zero = [UInt8](repeating: 0, count: 32)
        let nPlusR = (BigUInt(bigEndianBytes: Self.n) + BigUInt(bigEndianBytes: r)).bigEndianBytes(length: 32)
        #expect(authErrorCode { try P256Signature(rawRepresentation: zero + s) } == .invalidSignature)        // r = 0
        #expect(authErrorCode { try P256Signature(rawRepresentation: r + zero) } == .invalidSignature)        // s = 0
        #expect(authErrorCode { try P256Signature(rawRepresentation: zero + zero) } == .invalidSignature)     // "psychic" r = s = 0
        #expect(authErrorCode { try P256Signature(rawRepresentation: Self.n + s) } == .invalidSignature)      // r = n
        #expect(authErrorCode { try P256Signature(rawRepresentation: r + Self.n) } == .invalidSignature)      // s = n
        #expect(authErrorCode { try P256Signature(rawRepresentation: Self.p + s) } == .invalidSignature)      // r = p > n
        #expect(nPlusR == nil || authErrorCode { try P256Signature(rawRepresentation: nPlusR! + s) } == .invalidSignature)
        #expect(authErrorCode { try P256Signature(rawRepresentation: Array((r + s).dropLast())) } == .invalidSignature)  // 63 bytes
        #expect(authErrorCode { try P256Signature(rawRepresentation: r + s + [0]) } == .invalidSignature)     // 65 bytes
        #expect(authErrorCode { try P256Signature(rawRepresentation: [UInt8]()) } == .invalidSignature)
    }

    @Test func invalidPublicKeysAreRejected() throws {
        var badY = RFC6979P256.publicY
        badY[31] ^= 1
        #expect(authErrorCode { try P256PublicKey(x: RFC6979P256.publicX, y: badY) } == .invalidKey)        // off the curve
        #expect(authErrorCode { try P256PublicKey(x: [UInt8](repeating: 0, count: 32), y: [UInt8](repeating: 0, count: 32)) } == .invalidKey)
        #expect(authErrorCode { try P256PublicKey(x963Representation: [0x00]) } == .invalidKey)            // infinity
        #expect(authErrorCode { try P256PublicKey(x: Self.p, y: RFC6979P256.publicY) } == .invalidKey)     // x ≥ p
        #expect(authErrorCode { try P256PublicKey(x: Array(RFC6979P256.publicX.dropFirst()), y: RFC6979P256.publicY) } == .invalidKey)
        #expect(authErrorCode { try P256PublicKey(x963Representation: [0x04] + RFC6979P256.publicX) } == .invalidKey)
        #expect(authErrorCode { try P256PrivateKey(rawRepresentation: [UInt8](repeating: 0, count: 32)) } == .invalidKey)
        #expect(authErrorCode { try P256PrivateKey(rawRepresentation: Self.n) } == .invalidKey)
    }

    @Test func pointEncodings() throws {
        let key = try P256PublicKey(x: RFC6979P256.publicX, y: RFC6979P256.publicY)
        #expect(key.x963Representation.count == 65)
        #expect(try P256PublicKey(x963Representation: key.x963Representation) == key)
        #expect(try P256PublicKey(x963Representation: key.compressedRepresentation) == key)
        let generator = try P256PublicKey(x: Self.gx, y: Self.gy)
        #expect(try P256PublicKey(x963Representation: generator.compressedRepresentation) == generator)
        var flipped = generator.compressedRepresentation
        flipped[0] ^= 1  // the other root: (x, p − y)
        #expect(try P256PublicKey(x963Representation: flipped).yBytes != Self.gy)
    }

    /// Scalars 1 and n − 1 give public keys G and −G; verification then adds equal or
    /// opposite points in the Shamir ladder, exercising the doubling and infinity branches.
    @Test func edgeScalars() throws {
        let one = try P256PrivateKey(rawRepresentation: [UInt8](repeating: 0, count: 31) + [1])
        #expect(one.publicKey.xBytes == Self.gx && one.publicKey.yBytes == Self.gy)
        let minusOne = try P256PrivateKey(rawRepresentation: (BigUInt(bigEndianBytes: Self.n) - BigUInt(1)).bigEndianBytes(length: 32)!)
        #expect(minusOne.publicKey.xBytes == Self.gx && minusOne.publicKey.yBytes != Self.gy)
        for key in [one, minusOne] {
            for message in ["a", "b", "edge"] {
                let signature = key.signature(for: Array(message.utf8))
                #expect(key.publicKey.isValidSignature(signature, for: Array(message.utf8)))
            }
        }
    }

    @Test func generatedKeysSignAndVerify() throws {
        var generator = SeededRandom(seed: 99)
        for _ in 0..<3 {
            let key = P256PrivateKey.generate(using: &generator)
            let other = P256PrivateKey.generate(using: &generator)
            let message = Array("generated".utf8)
            let signature = key.signature(for: message)
            #expect(key.publicKey.isValidSignature(signature, for: message))
            #expect(!other.publicKey.isValidSignature(signature, for: message))
            #expect(try P256Signature(derRepresentation: signature.derRepresentation) == signature)
            #expect(try P256PrivateKey(rawRepresentation: key.rawRepresentation) == key)
        }
    }

    @Test func derSignatureParsingIsStrict() {
        #expect(authErrorCode { try P256Signature(derRepresentation: [0x30, 0x00]) } == .invalidSignature)
        #expect(authErrorCode { try P256Signature(derRepresentation: [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00]) } == .invalidSignature)
        #expect(authErrorCode { try P256Signature(derRepresentation: [0x30, 0x06, 0x02, 0x01, 0xFF, 0x02, 0x01, 0x01]) } == .invalidSignature)
    }
}
