/// An RSA private key with CRT parameters (RFC 8017 §3.2).
public struct RSAPrivateKey: Sendable, Hashable {
    /// The matching public key (n, e).
    public let publicKey: RSAPublicKey
    /// The private exponent d.
    public let privateExponent: BigUInt
    /// The first prime factor p.
    public let prime1: BigUInt
    /// The second prime factor q.
    public let prime2: BigUInt
    /// d mod (p − 1).
    public let exponent1: BigUInt
    /// d mod (q − 1).
    public let exponent2: BigUInt
    /// q⁻¹ mod p.
    public let coefficient: BigUInt

    /// Builds a key from n, e, d, p, q, deriving the CRT values; checks n = p·q and
    /// that d inverts e modulo both p − 1 and q − 1.
    public init(modulus: BigUInt, publicExponent: BigUInt, privateExponent: BigUInt, prime1: BigUInt, prime2: BigUInt) throws(AuthError) {
        let publicKey = try RSAPublicKey(modulus: modulus, publicExponent: publicExponent)
        let one = BigUInt(1)
        guard prime1 > one, prime2 > one, prime1 * prime2 == modulus else {
            throw AuthError(.invalidKey, "RSA private key primes do not multiply to the modulus")
        }
        guard (publicExponent * privateExponent) % (prime1 - one) == one,
              (publicExponent * privateExponent) % (prime2 - one) == one else {
            throw AuthError(.invalidKey, "RSA private exponent does not match the public exponent")
        }
        guard let coefficient = prime2.inverse(modulo: prime1) else {
            throw AuthError(.invalidKey, "RSA primes are not coprime")
        }
        self.publicKey = publicKey
        self.privateExponent = privateExponent
        self.prime1 = prime1
        self.prime2 = prime2
        exponent1 = privateExponent % (prime1 - one)
        exponent2 = privateExponent % (prime2 - one)
        self.coefficient = coefficient
    }

    /// The modulus n.
    public var modulus: BigUInt { publicKey.modulus }

    /// RSASP1 with the CRT (RFC 8017 §5.2.1), checked by re-applying the public exponent.
    func privateOperation(_ m: BigUInt) -> BigUInt? {
        let m1 = m.power(exponent1, modulus: prime1)
        let m2 = m.power(exponent2, modulus: prime2)
        let m2ModP = m2 % prime1
        let difference = m1 >= m2ModP ? m1 - m2ModP : prime1 - (m2ModP - m1)
        let h = (coefficient * difference) % prime1
        let s = m2 + h * prime2
        guard s.power(publicKey.publicExponent, modulus: modulus) == m else { return nil }
        return s
    }

    /// Produces an RSASSA-PKCS1-v1_5 signature (RFC 8017 §8.2.1) of `message`, k bytes long.
    public func signature(for message: some Collection<UInt8>, digest: DigestAlgorithm) throws(AuthError) -> [UInt8] {
        let k = publicKey.modulusBytes
        guard let encoded = RSAPKCS1v15.encode(digest: digest.hash(message), algorithm: digest, length: k) else {
            throw AuthError(.invalidKey, "RSA modulus is too small for a \(digest.rawValue) signature")
        }
        guard let s = privateOperation(BigUInt(bigEndianBytes: encoded)),
              let bytes = s.bigEndianBytes(length: k) else {
            throw AuthError(.invalidKey, "RSA private key is inconsistent: the signature did not verify")
        }
        return bytes
    }

    /// Generates a key with e = 65537 whose modulus has exactly `bits` bits (2048 by default).
    public static func generate(bits: Int = 2048, using generator: inout some RandomNumberGenerator) throws(AuthError) -> RSAPrivateKey {
        guard bits >= RSAPublicKey.minimumModulusBits, bits <= 8192, bits % 2 == 0 else {
            throw AuthError(.invalidConfiguration, "RSA key size must be an even number of bits between 1024 and 8192, got \(bits)")
        }
        let e = BigUInt(65537)
        let one = BigUInt(1)
        while true {
            let p = PrimeGeneration.randomPrime(bitWidth: bits / 2, using: &generator)
            let q = PrimeGeneration.randomPrime(bitWidth: bits / 2, using: &generator)
            guard p != q else { continue }
            // FIPS 186-4 B.3.1: |p − q| > 2^(bits/2 − 100).
            let gap = p > q ? p - q : q - p
            guard gap.bitWidth > bits / 2 - 100 else { continue }
            let (larger, smaller) = p > q ? (p, q) : (q, p)
            let n = larger * smaller
            guard n.bitWidth == bits else { continue }
            let lambda = BigUInt.lcm(larger - one, smaller - one)
            guard let d = e.inverse(modulo: lambda), d.bitWidth > bits / 2 else { continue }
            return try RSAPrivateKey(modulus: n, publicExponent: e, privateExponent: d, prime1: larger, prime2: smaller)
        }
    }

    /// Generates a key using the system random number generator.
    public static func generate(bits: Int = 2048) throws(AuthError) -> RSAPrivateKey {
        var generator = SystemRandomNumberGenerator()
        return try generate(bits: bits, using: &generator)
    }
}
