/// An ASN.1 OBJECT IDENTIFIER such as 1.2.840.113549.1.1.1.
public struct ASN1ObjectIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// The arcs, e.g. `[1, 2, 840, 113549, 1, 1, 1]`.
    public let arcs: [UInt64]

    /// rsaEncryption (PKCS #1).
    public static let rsaEncryption = ASN1ObjectIdentifier(1, 2, 840, 113549, 1, 1, 1)
    /// id-ecPublicKey (RFC 5480).
    public static let ecPublicKey = ASN1ObjectIdentifier(1, 2, 840, 10045, 2, 1)
    /// prime256v1 / secp256r1 / P-256 (RFC 5480).
    public static let prime256v1 = ASN1ObjectIdentifier(1, 2, 840, 10045, 3, 1, 7)

    /// Creates an identifier from its arcs (at least two; the first is 0, 1 or 2).
    public init(_ arcs: UInt64...) {
        self.init(arcs: arcs)
    }

    /// Creates an identifier from its arcs (at least two; the first is 0, 1 or 2).
    public init(arcs: [UInt64]) {
        precondition(arcs.count >= 2 && arcs[0] <= 2)
        self.arcs = arcs
    }

    /// Decodes DER content octets (base-128 arcs).
    public init(derContent bytes: some Collection<UInt8>) throws(AuthError) {
        var values = [UInt64]()
        var current: UInt64 = 0
        var inArc = false
        for byte in bytes {
            if !inArc && byte == 0x80 {
                throw AuthError(.malformedKey, "DER: OBJECT IDENTIFIER arc has a leading 0x80 byte")
            }
            guard current >> 57 == 0 else {
                throw AuthError(.malformedKey, "DER: OBJECT IDENTIFIER arc is too large")
            }
            current = current << 7 | UInt64(byte & 0x7F)
            inArc = byte & 0x80 != 0
            if !inArc {
                values.append(current)
                current = 0
            }
        }
        guard !inArc, let first = values.first else {
            throw AuthError(.malformedKey, "DER: truncated OBJECT IDENTIFIER")
        }
        let head: [UInt64] = first < 40 ? [0, first] : (first < 80 ? [1, first - 40] : [2, first - 80])
        arcs = head + values.dropFirst()
    }

    /// The DER content octets.
    public var derContent: [UInt8] {
        var bytes = [UInt8]()
        for value in [arcs[0] * 40 + arcs[1]] + arcs.dropFirst(2) {
            var chunk: [UInt8] = [UInt8(value & 0x7F)]
            var rest = value >> 7
            while rest > 0 {
                chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            bytes += chunk
        }
        return bytes
    }

    /// Dotted decimal form.
    public var description: String {
        arcs.map(String.init).joined(separator: ".")
    }
}
