/// The NIST P-256 (secp256r1) curve y² = x³ − 3x + b over GF(p), with group order n
/// and cofactor 1 (SEC 2 §2.4.2, FIPS 186-4 D.1.2.3). Not constant-time.
enum P256Curve {
    static let p = U256(0xFFFF_FFFF_0000_0001, 0x0000_0000_0000_0000, 0x0000_0000_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF)
    static let n = U256(0xFFFF_FFFF_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 0xBCE6_FAAD_A717_9E84, 0xF3B9_CAC2_FC63_2551)
    static let b = U256(0x5AC6_35D8_AA3A_93E7, 0xB3EB_BD55_7698_86BC, 0x651D_06B0_CC53_B0F6, 0x3BCE_3C3E_27D2_604B)
    static let gx = U256(0x6B17_D1F2_E12C_4247, 0xF8BC_E6E5_63A4_40F2, 0x7703_7D81_2DEB_33A0, 0xF4A1_3945_D898_C296)
    static let gy = U256(0x4FE3_42E2_FE1A_7F9B, 0x8EE7_EB4A_7C0F_9E16, 0x2BCE_3357_6B31_5ECE, 0xCBB6_4068_37BF_51F5)

    /// Arithmetic modulo p.
    static let field = MontgomeryField256(modulus: p)
    /// Arithmetic modulo n.
    static let scalars = MontgomeryField256(modulus: n)

    /// b in Montgomery form.
    static let bMontgomery = field.toMontgomery(b)

    /// The generator G.
    static let generator = JacobianPoint(affineX: gx, y: gy)

    /// Whether plain (non-Montgomery) coordinates satisfy the curve equation; both must be < p.
    static func isOnCurve(x: U256, y: U256) -> Bool {
        guard x < p, y < p else { return false }
        let f = field
        let xm = f.toMontgomery(x), ym = f.toMontgomery(y)
        let lhs = f.square(ym)
        let x3 = f.multiply(f.square(xm), xm)
        let threeX = f.add(f.add(xm, xm), xm)
        let rhs = f.add(f.subtract(x3, threeX), bMontgomery)
        return lhs == rhs
    }

    /// The y with y² = x³ − 3x + b and the requested parity, or `nil` if x is not on the curve.
    static func decompress(x: U256, yIsOdd: Bool) -> U256? {
        guard x < p else { return nil }
        let f = field
        let xm = f.toMontgomery(x)
        let rhs = f.add(f.subtract(f.multiply(f.square(xm), xm), f.add(f.add(xm, xm), xm)), bMontgomery)
        // p ≡ 3 (mod 4), so a square root is rhs^((p + 1) / 4).
        let exponent = U256(0x3FFF_FFFF_C000_0000, 0x4000_0000_0000_0000, 0x0000_0000_4000_0000, 0x0000_0000_0000_0000)
        let root = f.power(rhs, exponent)
        guard f.square(root) == rhs else { return nil }
        var y = f.fromMontgomery(root)
        if y.bit(0) != yIsOdd {
            y = f.negate(y)
            if y.isZero { return nil }
        }
        return y
    }
}

/// A point in Jacobian coordinates (X/Z², Y/Z³), coordinates in Montgomery form;
/// Z = 0 is the point at infinity.
struct JacobianPoint: Sendable {
    var x: U256
    var y: U256
    var z: U256

    static let infinity = JacobianPoint(x: P256Curve.field.one, y: P256Curve.field.one, z: .zero)

    init(x: U256, y: U256, z: U256) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// From plain affine coordinates (assumed valid).
    init(affineX: U256, y affineY: U256) {
        let f = P256Curve.field
        x = f.toMontgomery(affineX)
        y = f.toMontgomery(affineY)
        z = f.one
    }

    var isInfinity: Bool { z.isZero }

    /// Plain affine coordinates, or `nil` for infinity.
    var affine: (x: U256, y: U256)? {
        guard !isInfinity else { return nil }
        let f = P256Curve.field
        let zInverse = f.inverse(z)
        let zInverse2 = f.square(zInverse)
        let ax = f.multiply(x, zInverse2)
        let ay = f.multiply(y, f.multiply(zInverse2, zInverse))
        return (f.fromMontgomery(ax), f.fromMontgomery(ay))
    }

    /// 2·P ("dbl-2001-b", a = −3).
    func doubled() -> JacobianPoint {
        if isInfinity || y.isZero { return .infinity }
        let f = P256Curve.field
        let delta = f.square(z)
        let gamma = f.square(y)
        let beta = f.multiply(x, gamma)
        let t = f.multiply(f.subtract(x, delta), f.add(x, delta))
        let alpha = f.add(f.add(t, t), t)
        let beta4 = f.add(f.add(beta, beta), f.add(beta, beta))
        let beta8 = f.add(beta4, beta4)
        let x3 = f.subtract(f.square(alpha), beta8)
        let yPlusZ = f.add(y, z)
        let z3 = f.subtract(f.subtract(f.square(yPlusZ), gamma), delta)
        let gamma2 = f.square(gamma)
        let gamma2x8 = f.add(f.add(f.add(gamma2, gamma2), f.add(gamma2, gamma2)), f.add(f.add(gamma2, gamma2), f.add(gamma2, gamma2)))
        let y3 = f.subtract(f.multiply(alpha, f.subtract(beta4, x3)), gamma2x8)
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// P + Q ("add-2007-bl"), handling infinity, P = Q and P = −Q.
    func adding(_ other: JacobianPoint) -> JacobianPoint {
        if isInfinity { return other }
        if other.isInfinity { return self }
        let f = P256Curve.field
        let z1z1 = f.square(z)
        let z2z2 = f.square(other.z)
        let u1 = f.multiply(x, z2z2)
        let u2 = f.multiply(other.x, z1z1)
        let s1 = f.multiply(f.multiply(y, other.z), z2z2)
        let s2 = f.multiply(f.multiply(other.y, z), z1z1)
        let h = f.subtract(u2, u1)
        let rHalf = f.subtract(s2, s1)
        if h.isZero {
            return rHalf.isZero ? doubled() : .infinity
        }
        let h2 = f.add(h, h)
        let i = f.square(h2)
        let j = f.multiply(h, i)
        let r = f.add(rHalf, rHalf)
        let v = f.multiply(u1, i)
        let x3 = f.subtract(f.subtract(f.square(r), j), f.add(v, v))
        let s1j = f.multiply(s1, j)
        let y3 = f.subtract(f.multiply(r, f.subtract(v, x3)), f.add(s1j, s1j))
        let zSum = f.add(z, other.z)
        let z3 = f.multiply(f.subtract(f.subtract(f.square(zSum), z1z1), z2z2), h)
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// k·P by left-to-right double-and-add.
    func multiplied(by k: U256) -> JacobianPoint {
        var result = JacobianPoint.infinity
        for index in stride(from: 255, through: 0, by: -1) {
            result = result.doubled()
            if k.bit(index) {
                result = result.adding(self)
            }
        }
        return result
    }

    /// a·P + b·Q with Shamir's trick (one shared doubling chain).
    static func linearCombination(_ a: U256, _ p: JacobianPoint, _ b: U256, _ q: JacobianPoint) -> JacobianPoint {
        let sum = p.adding(q)
        var result = JacobianPoint.infinity
        for index in stride(from: 255, through: 0, by: -1) {
            result = result.doubled()
            switch (a.bit(index), b.bit(index)) {
            case (true, true): result = result.adding(sum)
            case (true, false): result = result.adding(p)
            case (false, true): result = result.adding(q)
            case (false, false): break
            }
        }
        return result
    }
}
