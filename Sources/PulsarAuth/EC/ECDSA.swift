/// An ECDSA P-256 signature (r, s), each in [1, n − 1].
public struct P256Signature: Sendable, Hashable {
    let r: U256
    let s: U256

    /// Parses the JWS form (RFC 7518 §3.4): exactly 64 bytes, `r‖s` big-endian.
    public init(rawRepresentation bytes: some Collection<UInt8>) throws(AuthError) {
        let array = Array(bytes)
        guard array.count == 64 else {
            throw AuthError(.invalidSignature, "an ES256 signature is 64 bytes (r‖s), got \(array.count)")
        }
        try self.init(r: U256(bigEndianBytes: array[0..<32])!, s: U256(bigEndianBytes: array[32..<64])!)
    }

    /// Parses the DER form `SEQUENCE { INTEGER r, INTEGER s }` used by X.509 and JCA.
    public init(derRepresentation bytes: some Collection<UInt8>) throws(AuthError) {
        let r: BigUInt, s: BigUInt
        do {
            var outer = DERReader(Array(bytes))
            var sequence = try outer.readSequence()
            r = try sequence.readUnsignedInteger()
            s = try sequence.readUnsignedInteger()
            try sequence.expectEnd()
            try outer.expectEnd()
        } catch {
            throw AuthError(.invalidSignature, "ECDSA DER signature is malformed: \(error.message)")
        }
        guard let r32 = r.bigEndianBytes(length: 32), let s32 = s.bigEndianBytes(length: 32) else {
            throw AuthError(.invalidSignature, "ECDSA signature component is larger than 256 bits")
        }
        try self.init(r: U256(bigEndianBytes: r32)!, s: U256(bigEndianBytes: s32)!)
    }

    init(r: U256, s: U256) throws(AuthError) {
        let n = P256Curve.n
        guard !r.isZero, !s.isZero else {
            throw AuthError(.invalidSignature, "ECDSA signature has r = 0 or s = 0")
        }
        guard r < n, s < n else {
            throw AuthError(.invalidSignature, "ECDSA signature component is not less than the group order n")
        }
        self.r = r
        self.s = s
    }

    /// The 64-byte JWS form `r‖s`.
    public var rawRepresentation: [UInt8] { r.bigEndianBytes + s.bigEndianBytes }

    /// The DER form `SEQUENCE { INTEGER r, INTEGER s }`.
    public var derRepresentation: [UInt8] {
        DERWriter.sequence([DERWriter.integer(r.bigUInt), DERWriter.integer(s.bigUInt)])
    }
}

extension P256PublicKey {
    /// Verifies an ECDSA signature over `message` hashed with `digest` (SEC 1 §4.1.4).
    public func isValidSignature(_ signature: P256Signature, for message: some Collection<UInt8>, digest: DigestAlgorithm = .sha256) -> Bool {
        isValidSignature(signature, digest: digest.hash(message))
    }

    /// Verifies an ECDSA signature over a precomputed digest (leftmost 256 bits used).
    public func isValidSignature(_ signature: P256Signature, digest: [UInt8]) -> Bool {
        let scalars = P256Curve.scalars
        let e = scalars.reduce(U256(leftmostBitsOf: digest))
        let sInverse = scalars.inverse(scalars.toMontgomery(signature.s))
        let u1 = scalars.fromMontgomery(scalars.multiply(scalars.toMontgomery(e), sInverse))
        let u2 = scalars.fromMontgomery(scalars.multiply(scalars.toMontgomery(signature.r), sInverse))
        let point = JacobianPoint.linearCombination(u1, P256Curve.generator, u2, jacobian)
        guard let affine = point.affine else { return false }
        return scalars.reduce(affine.x) == signature.r
    }
}

extension P256PrivateKey {
    /// Signs `message` hashed with `digest`, with the deterministic nonce of RFC 6979
    /// (HMAC-SHA-256 based), so equal inputs give equal signatures.
    public func signature(for message: some Collection<UInt8>, digest: DigestAlgorithm = .sha256) -> P256Signature {
        signature(digest: digest.hash(message))
    }

    /// Signs a precomputed digest (leftmost 256 bits used) with an RFC 6979 nonce.
    public func signature(digest: [UInt8]) -> P256Signature {
        let scalars = P256Curve.scalars
        let e = scalars.reduce(U256(leftmostBitsOf: digest))
        var nonces = RFC6979NonceGenerator(privateKey: scalar, reducedDigest: e)
        while true {
            let k = nonces.next()
            guard let point = P256Curve.generator.multiplied(by: k).affine else { continue }
            let r = scalars.reduce(point.x)
            if r.isZero { continue }
            let kInverse = scalars.inverse(scalars.toMontgomery(k))
            let rd = scalars.multiply(scalars.toMontgomery(r), scalars.toMontgomery(scalar))
            let s = scalars.fromMontgomery(scalars.multiply(kInverse, scalars.add(scalars.toMontgomery(e), rd)))
            if let signature = try? P256Signature(r: r, s: s) {
                return signature
            }
        }
    }
}

/// Deterministic ECDSA nonces (RFC 6979 §3.2) for qlen = hlen = 256 with HMAC-SHA-256.
struct RFC6979NonceGenerator {
    private var k: [UInt8]
    private var v: [UInt8]
    private var first = true

    init(privateKey: U256, reducedDigest: U256) {
        let material = privateKey.bigEndianBytes + reducedDigest.bigEndianBytes
        v = [UInt8](repeating: 0x01, count: 32)
        k = [UInt8](repeating: 0x00, count: 32)
        k = HMAC.sha256(key: k, message: v + [0x00] + material)
        v = HMAC.sha256(key: k, message: v)
        k = HMAC.sha256(key: k, message: v + [0x01] + material)
        v = HMAC.sha256(key: k, message: v)
    }

    /// The next candidate nonce in [1, n − 1].
    mutating func next() -> U256 {
        while true {
            if !first {
                k = HMAC.sha256(key: k, message: v + [0x00])
                v = HMAC.sha256(key: k, message: v)
            }
            first = false
            v = HMAC.sha256(key: k, message: v)
            let candidate = U256(bigEndianBytes: v)!
            if !candidate.isZero && candidate < P256Curve.n {
                return candidate
            }
        }
    }
}
