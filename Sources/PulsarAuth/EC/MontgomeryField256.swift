/// Arithmetic modulo a 256-bit odd modulus m > 2²⁵⁵ in Montgomery form (R = 2²⁵⁶).
///
/// Used for both the P-256 base field (mod p) and its scalar field (mod n).
struct MontgomeryField256: Sendable {
    let modulus: U256
    /// −m⁻¹ mod 2⁶⁴.
    private let inverseNegated: UInt64
    /// R² mod m.
    private let rSquared: U256
    /// R mod m: one in Montgomery form.
    let one: U256

    init(modulus: U256) {
        precondition(modulus.w[3] >> 63 == 1 && modulus.w[0] & 1 == 1)
        self.modulus = modulus
        let m0 = modulus.w[0]
        var inverse: UInt64 = 1
        for _ in 0..<7 {
            inverse = inverse &* (2 &- m0 &* inverse)
        }
        inverseNegated = 0 &- inverse
        let m = modulus.bigUInt
        rSquared = Self.u256((BigUInt(1) << 512) % m)
        one = Self.u256((BigUInt(1) << 256) % m)
    }

    private static func u256(_ value: BigUInt) -> U256 {
        let limbs = value.limbs + [UInt64](repeating: 0, count: 4 - value.limbs.count)
        return U256(SIMD4(limbs[0], limbs[1], limbs[2], limbs[3]))
    }

    /// Reduces any 256-bit value (< 2m since m > 2²⁵⁵) into [0, m).
    func reduce(_ a: U256) -> U256 {
        a < modulus ? a : U256.subtracting(a, modulus).difference
    }

    func add(_ a: U256, _ b: U256) -> U256 {
        let (sum, carry) = U256.adding(a, b)
        return carry || !(sum < modulus) ? U256.subtracting(sum, modulus).difference : sum
    }

    func subtract(_ a: U256, _ b: U256) -> U256 {
        let (difference, borrow) = U256.subtracting(a, b)
        return borrow ? U256.adding(difference, modulus).sum : difference
    }

    func negate(_ a: U256) -> U256 {
        a.isZero ? a : U256.subtracting(modulus, a).difference
    }

    @inline(__always)
    private static func multiplyAdd(_ a: UInt64, _ b: UInt64, _ addend: UInt64, _ carry: UInt64) -> (high: UInt64, low: UInt64) {
        let (high, low) = a.multipliedFullWidth(by: b)
        let (s1, o1) = low.addingReportingOverflow(addend)
        let (s2, o2) = s1.addingReportingOverflow(carry)
        return (high &+ o1.carryValue &+ o2.carryValue, s2)
    }

    /// a·b·R⁻¹ mod m (CIOS, unrolled for four limbs).
    func multiply(_ a: U256, _ b: U256) -> U256 {
        let a0 = a.w[0], a1 = a.w[1], a2 = a.w[2], a3 = a.w[3]
        let m0 = modulus.w[0], m1 = modulus.w[1], m2 = modulus.w[2], m3 = modulus.w[3]
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0, t4: UInt64 = 0
        for i in 0..<4 {
            let bi = b.w[i]
            var c: UInt64
            (c, t0) = Self.multiplyAdd(a0, bi, t0, 0)
            (c, t1) = Self.multiplyAdd(a1, bi, t1, c)
            (c, t2) = Self.multiplyAdd(a2, bi, t2, c)
            (c, t3) = Self.multiplyAdd(a3, bi, t3, c)
            let (s4, o4) = t4.addingReportingOverflow(c)
            let t5 = o4.carryValue
            t4 = s4
            let q = t0 &* inverseNegated
            (c, _) = Self.multiplyAdd(q, m0, t0, 0)
            (c, t0) = Self.multiplyAdd(q, m1, t1, c)
            (c, t1) = Self.multiplyAdd(q, m2, t2, c)
            (c, t2) = Self.multiplyAdd(q, m3, t3, c)
            let (s3, o3) = t4.addingReportingOverflow(c)
            t3 = s3
            t4 = t5 &+ o3.carryValue
        }
        let result = U256(SIMD4(t0, t1, t2, t3))
        return t4 != 0 || !(result < modulus) ? U256.subtracting(result, modulus).difference : result
    }

    func square(_ a: U256) -> U256 {
        multiply(a, a)
    }

    /// Converts a reduced value into Montgomery form.
    func toMontgomery(_ a: U256) -> U256 {
        multiply(a, rSquared)
    }

    /// Converts out of Montgomery form.
    func fromMontgomery(_ a: U256) -> U256 {
        multiply(a, .one)
    }

    /// a^e for `a` in Montgomery form (result in Montgomery form); e is a plain integer.
    func power(_ a: U256, _ exponent: U256) -> U256 {
        var result = one
        for index in stride(from: 255, through: 0, by: -1) {
            result = square(result)
            if exponent.bit(index) {
                result = multiply(result, a)
            }
        }
        return result
    }

    /// a⁻¹ for non-zero `a` in Montgomery form, by Fermat (m is prime).
    func inverse(_ a: U256) -> U256 {
        power(a, U256.subtracting(modulus, U256(SIMD4(2, 0, 0, 0))).difference)
    }
}
