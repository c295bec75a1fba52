extension BigUInt {
    /// Greatest common divisor (Euclid).
    public static func gcd(_ a: BigUInt, _ b: BigUInt) -> BigUInt {
        var (x, y) = (a, b)
        while !y.isZero {
            (x, y) = (y, x % y)
        }
        return x
    }

    /// Least common multiple (zero if either argument is zero).
    public static func lcm(_ a: BigUInt, _ b: BigUInt) -> BigUInt {
        if a.isZero || b.isZero { return BigUInt() }
        return a / gcd(a, b) * b
    }

    /// The inverse of `self` modulo `modulus`, or `nil` if they are not coprime.
    ///
    /// Extended Euclid with the Bézout coefficient kept reduced modulo `modulus`,
    /// so it works for even moduli such as λ(n).
    public func inverse(modulo modulus: BigUInt) -> BigUInt? {
        precondition(modulus > BigUInt(1), "modulus must be > 1")
        var (r0, r1) = (modulus, self % modulus)
        var (t0, t1) = (BigUInt(), BigUInt(1))
        while !r1.isZero {
            let (q, r2) = r0.quotientAndRemainder(dividingBy: r1)
            let product = (q * t1) % modulus
            let t2 = t0 >= product ? t0 - product : modulus - (product - t0)
            (r0, r1) = (r1, r2)
            (t0, t1) = (t1, t2)
        }
        guard r0 == BigUInt(1) else { return nil }
        return t0
    }

    /// A uniformly random value with exactly `bitWidth` bits available (top bit not forced).
    public static func random(bitWidth: Int, using generator: inout some RandomNumberGenerator) -> BigUInt {
        precondition(bitWidth >= 0)
        let limbCount = (bitWidth + 63) / 64
        var limbs = (0..<limbCount).map { _ in generator.next() as UInt64 }
        let excess = limbCount * 64 - bitWidth
        if excess > 0, !limbs.isEmpty {
            limbs[limbCount - 1] >>= UInt64(excess)
        }
        return BigUInt(limbs: limbs)
    }

    /// A uniformly random value in `1..<upperBound` (rejection sampling).
    public static func random(below upperBound: BigUInt, using generator: inout some RandomNumberGenerator) -> BigUInt {
        precondition(upperBound > BigUInt(1))
        while true {
            let candidate = random(bitWidth: upperBound.bitWidth, using: &generator)
            if !candidate.isZero && candidate < upperBound { return candidate }
        }
    }
}
