/// A fixed 256-bit unsigned integer (four little-endian 64-bit limbs) for P-256 arithmetic.
struct U256: Sendable, Hashable {
    var w: SIMD4<UInt64>

    static let zero = U256(SIMD4(0, 0, 0, 0))
    static let one = U256(SIMD4(1, 0, 0, 0))

    init(_ w: SIMD4<UInt64>) {
        self.w = w
    }

    /// From most-significant to least-significant limb, as constants are written.
    init(_ w3: UInt64, _ w2: UInt64, _ w1: UInt64, _ w0: UInt64) {
        w = SIMD4(w0, w1, w2, w3)
    }

    /// Exactly 32 big-endian bytes.
    init?(bigEndianBytes bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        let array = Array(bytes)
        var limbs = SIMD4<UInt64>(0, 0, 0, 0)
        for limb in 0..<4 {
            var value: UInt64 = 0
            for byte in 0..<8 {
                value = value << 8 | UInt64(array[(3 - limb) * 8 + byte])
            }
            limbs[limb] = value
        }
        w = limbs
    }

    /// The leftmost 256 bits of a byte string read as a big-endian integer (zero-extended
    /// on the left if shorter), as ECDSA's bits2int needs.
    init(leftmostBitsOf bytes: some Collection<UInt8>) {
        let array = Array(bytes.prefix(32))
        self.init(bigEndianBytes: [UInt8](repeating: 0, count: 32 - array.count) + array)!
    }

    var bigEndianBytes: [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for limb in stride(from: 3, through: 0, by: -1) {
            let value = w[limb]
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            }
        }
        return bytes
    }

    var isZero: Bool { w == SIMD4(0, 0, 0, 0) }

    func bit(_ index: Int) -> Bool {
        (w[index / 64] >> UInt64(index % 64)) & 1 == 1
    }

    static func < (lhs: U256, rhs: U256) -> Bool {
        for limb in stride(from: 3, through: 0, by: -1) where lhs.w[limb] != rhs.w[limb] {
            return lhs.w[limb] < rhs.w[limb]
        }
        return false
    }

    static func adding(_ a: U256, _ b: U256) -> (sum: U256, carry: Bool) {
        var result = SIMD4<UInt64>(0, 0, 0, 0)
        var carry: UInt64 = 0
        for limb in 0..<4 {
            let (s1, o1) = a.w[limb].addingReportingOverflow(b.w[limb])
            let (s2, o2) = s1.addingReportingOverflow(carry)
            result[limb] = s2
            carry = o1.carryValue | o2.carryValue
        }
        return (U256(result), carry != 0)
    }

    static func subtracting(_ a: U256, _ b: U256) -> (difference: U256, borrow: Bool) {
        var result = SIMD4<UInt64>(0, 0, 0, 0)
        var borrow: UInt64 = 0
        for limb in 0..<4 {
            let (d1, o1) = a.w[limb].subtractingReportingOverflow(b.w[limb])
            let (d2, o2) = d1.subtractingReportingOverflow(borrow)
            result[limb] = d2
            borrow = o1.carryValue | o2.carryValue
        }
        return (U256(result), borrow != 0)
    }

    var bigUInt: BigUInt { BigUInt(limbs: [w[0], w[1], w[2], w[3]]) }
}
