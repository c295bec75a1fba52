/// An RSA public key (n, e).
public struct RSAPublicKey: Sendable, Hashable {
    /// The smallest modulus accepted at all (JWT use additionally requires 2048 bits).
    public static let minimumModulusBits = 1024
    /// The largest modulus accepted, bounding the cost of verification.
    public static let maximumModulusBits = 16384

    /// The modulus n.
    public let modulus: BigUInt
    /// The public exponent e.
    public let publicExponent: BigUInt

    /// Creates a key after sanity checks: n odd and 1024–16384 bits, e odd with 3 ≤ e < n.
    public init(modulus: BigUInt, publicExponent: BigUInt) throws(AuthError) {
        let bits = modulus.bitWidth
        guard bits >= Self.minimumModulusBits, bits <= Self.maximumModulusBits else {
            throw AuthError(.invalidKey, "RSA modulus has \(bits) bits; supported sizes are \(Self.minimumModulusBits)–\(Self.maximumModulusBits)")
        }
        guard modulus.isOdd else {
            throw AuthError(.invalidKey, "RSA modulus is even")
        }
        guard publicExponent.isOdd, publicExponent >= BigUInt(3), publicExponent < modulus else {
            throw AuthError(.invalidKey, "RSA public exponent \(publicExponent) is not an odd number between 3 and n")
        }
        self.modulus = modulus
        self.publicExponent = publicExponent
    }

    /// The modulus size in bits.
    public var modulusBits: Int { modulus.bitWidth }

    /// The modulus size in bytes (the signature length k).
    public var modulusBytes: Int { modulus.byteWidth }

    /// Verifies an RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2.2) over `message`.
    ///
    /// The signature must be exactly k bytes and less than n; the recovered block is
    /// compared with a freshly encoded one (no parsing of the padding).
    public func isValidSignature(_ signature: some Collection<UInt8>, for message: some Collection<UInt8>, digest: DigestAlgorithm) -> Bool {
        let k = modulusBytes
        guard signature.count == k else { return false }
        let s = BigUInt(bigEndianBytes: signature)
        guard s < modulus else { return false }
        let recovered = s.power(publicExponent, modulus: modulus)
        guard let encoded = recovered.bigEndianBytes(length: k),
              let expected = RSAPKCS1v15.encode(digest: digest.hash(message), algorithm: digest, length: k) else {
            return false
        }
        return HMAC.constantTimeEquals(encoded, expected)
    }
}

/// EMSA-PKCS1-v1_5 encoding (RFC 8017 §9.2).
enum RSAPKCS1v15 {
    /// The DER DigestInfo prefix for each hash (RFC 8017 §9.2, note 1).
    static func digestInfoPrefix(_ algorithm: DigestAlgorithm) -> [UInt8] {
        switch algorithm {
        case .sha256:
            [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
        case .sha384:
            [0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30]
        case .sha512:
            [0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40]
        }
    }

    /// 0x00 0x01 FF…FF 0x00 DigestInfo, `length` bytes long; `nil` if `length` is too short.
    static func encode(digest: [UInt8], algorithm: DigestAlgorithm, length: Int) -> [UInt8]? {
        let t = digestInfoPrefix(algorithm) + digest
        guard length >= t.count + 11 else { return nil }
        return [0x00, 0x01] + [UInt8](repeating: 0xFF, count: length - t.count - 3) + [0x00] + t
    }
}
