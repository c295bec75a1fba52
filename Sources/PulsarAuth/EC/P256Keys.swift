/// A validated P-256 public key: an affine point on the curve, not infinity.
public struct P256PublicKey: Sendable, Hashable {
    let x: U256
    let y: U256

    /// Creates a key from 32-byte big-endian affine coordinates; rejects points off the curve.
    public init(x: some Collection<UInt8>, y: some Collection<UInt8>) throws(AuthError) {
        guard let px = U256(bigEndianBytes: x), let py = U256(bigEndianBytes: y) else {
            throw AuthError(.invalidKey, "P-256 coordinates must be 32 bytes each (got \(x.count) and \(y.count))")
        }
        try self.init(x: px, y: py)
    }

    init(x px: U256, y py: U256) throws(AuthError) {
        guard P256Curve.isOnCurve(x: px, y: py) else {
            throw AuthError(.invalidKey, "the point is not on the P-256 curve")
        }
        x = px
        y = py
    }

    /// Parses the SEC 1 §2.3.4 encoding: uncompressed `04‖X‖Y` (65 bytes) or compressed
    /// `02/03‖X` (33 bytes). The single-byte encoding of infinity is rejected.
    public init(x963Representation bytes: some Collection<UInt8>) throws(AuthError) {
        let array = Array(bytes)
        switch (array.first, array.count) {
        case (0x04, 65):
            try self.init(x: array[1..<33], y: array[33..<65])
        case (0x02, 33), (0x03, 33):
            guard let px = U256(bigEndianBytes: array[1..<33]),
                  let py = P256Curve.decompress(x: px, yIsOdd: array[0] == 0x03) else {
                throw AuthError(.invalidKey, "the compressed point is not on the P-256 curve")
            }
            try self.init(x: px, y: py)
        case (0x00, _):
            throw AuthError(.invalidKey, "the point at infinity is not a valid public key")
        default:
            throw AuthError(.invalidKey, "unsupported P-256 point encoding (\(array.count) bytes, prefix \(array.first.map { String($0, radix: 16) } ?? "none"))")
        }
    }

    /// The 32-byte big-endian x coordinate.
    public var xBytes: [UInt8] { x.bigEndianBytes }
    /// The 32-byte big-endian y coordinate.
    public var yBytes: [UInt8] { y.bigEndianBytes }

    /// The uncompressed SEC 1 encoding `04‖X‖Y` (65 bytes).
    public var x963Representation: [UInt8] { [0x04] + xBytes + yBytes }

    /// The compressed SEC 1 encoding `02/03‖X` (33 bytes).
    public var compressedRepresentation: [UInt8] { [y.bit(0) ? 0x03 : 0x02] + xBytes }

    var jacobian: JacobianPoint { JacobianPoint(affineX: x, y: y) }
}

/// A P-256 private key: a scalar d in [1, n − 1] and its public point d·G.
public struct P256PrivateKey: Sendable, Hashable {
    let scalar: U256
    /// The matching public key.
    public let publicKey: P256PublicKey

    /// Creates a key from the 32-byte big-endian scalar; rejects 0 and values ≥ n.
    public init(rawRepresentation bytes: some Collection<UInt8>) throws(AuthError) {
        guard let d = U256(bigEndianBytes: bytes) else {
            throw AuthError(.invalidKey, "a P-256 private key is 32 bytes, got \(bytes.count)")
        }
        try self.init(scalar: d)
    }

    init(scalar d: U256) throws(AuthError) {
        guard !d.isZero, d < P256Curve.n else {
            throw AuthError(.invalidKey, "the P-256 private scalar is outside [1, n − 1]")
        }
        guard let point = P256Curve.generator.multiplied(by: d).affine else {
            throw AuthError(.invalidKey, "the P-256 private scalar yields the point at infinity")
        }
        scalar = d
        publicKey = try P256PublicKey(x: point.x, y: point.y)
    }

    /// The 32-byte big-endian scalar.
    public var rawRepresentation: [UInt8] { scalar.bigEndianBytes }

    /// Generates a key with a uniformly random scalar (rejection sampling).
    public static func generate(using generator: inout some RandomNumberGenerator) -> P256PrivateKey {
        while true {
            let bytes = (0..<4).flatMap { _ -> [UInt8] in
                let word: UInt64 = generator.next()
                return (0..<8).map { UInt8(truncatingIfNeeded: word >> UInt64(8 * $0)) }
            }
            if let key = try? P256PrivateKey(rawRepresentation: bytes) {
                return key
            }
        }
    }

    /// Generates a key using the system random number generator.
    public static func generate() -> P256PrivateKey {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }
}
