/// Modular arithmetic in Montgomery form for a fixed odd modulus, used for
/// RSA exponentiation and Miller–Rabin.
///
/// Values are kept as `limbCount` little-endian limbs; `R = 2^(64·limbCount)`.
public struct MontgomeryContext: Sendable {
    /// The odd modulus.
    public let modulus: BigUInt
    let modulusLimbs: [UInt64]
    let limbCount: Int
    /// −modulus⁻¹ mod 2⁶⁴.
    let inverseNegated: UInt64
    /// R² mod modulus, used to enter Montgomery form.
    let rSquared: [UInt64]
    /// R mod modulus (one in Montgomery form).
    let rModN: [UInt64]

    /// Prepares a context; the modulus must be odd and greater than one.
    public init(modulus: BigUInt) {
        precondition(modulus.isOdd && modulus > BigUInt(1), "Montgomery modulus must be odd and > 1")
        self.modulus = modulus
        modulusLimbs = modulus.limbs
        limbCount = modulus.limbs.count
        let m0 = modulus.limbs[0]
        var inverse: UInt64 = 1
        for _ in 0..<7 {
            inverse = inverse &* (2 &- m0 &* inverse)
        }
        inverseNegated = 0 &- inverse
        rSquared = Self.padded((BigUInt(1) << (128 * limbCount)) % modulus, limbCount)
        rModN = Self.padded((BigUInt(1) << (64 * limbCount)) % modulus, limbCount)
    }

    private static func padded(_ value: BigUInt, _ count: Int) -> [UInt64] {
        value.limbs + [UInt64](repeating: 0, count: count - value.limbs.count)
    }

    /// out = a·b·R⁻¹ mod m (CIOS). `out` may alias `a` or `b`; `scratch` needs `limbCount + 2` words.
    @inline(__always)
    func multiply(
        _ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, into out: UnsafeMutablePointer<UInt64>,
        modulus m: UnsafePointer<UInt64>, scratch t: UnsafeMutablePointer<UInt64>
    ) {
        let n = limbCount
        t.update(repeating: 0, count: n + 2)
        for i in 0..<n {
            let bi = b[i]
            var carry: UInt64 = 0
            for j in 0..<n {
                let (high, low) = a[j].multipliedFullWidth(by: bi)
                let (sum1, overflow1) = low.addingReportingOverflow(t[j])
                let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
                t[j] = sum2
                carry = high &+ overflow1.carryValue &+ overflow2.carryValue
            }
            let (top, topOverflow) = t[n].addingReportingOverflow(carry)
            t[n] = top
            t[n + 1] = topOverflow.carryValue

            let q = t[0] &* inverseNegated
            let (high0, low0) = q.multipliedFullWidth(by: m[0])
            let (_, overflow0) = low0.addingReportingOverflow(t[0])
            carry = high0 &+ overflow0.carryValue
            for j in 1..<n {
                let (high, low) = q.multipliedFullWidth(by: m[j])
                let (sum1, overflow1) = low.addingReportingOverflow(t[j])
                let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
                t[j - 1] = sum2
                carry = high &+ overflow1.carryValue &+ overflow2.carryValue
            }
            let (sum, overflow) = t[n].addingReportingOverflow(carry)
            t[n - 1] = sum
            t[n] = t[n + 1] &+ overflow.carryValue
        }
        // Conditional final subtraction: result = t − m if t ≥ m.
        var needsSubtraction = t[n] != 0
        if !needsSubtraction {
            needsSubtraction = true
            var index = n - 1
            while index >= 0 {
                if t[index] != m[index] {
                    needsSubtraction = t[index] > m[index]
                    break
                }
                index -= 1
            }
        }
        if needsSubtraction {
            var borrow: UInt64 = 0
            for j in 0..<n {
                let (d1, b1) = t[j].subtractingReportingOverflow(m[j])
                let (d2, b2) = d1.subtractingReportingOverflow(borrow)
                out[j] = d2
                borrow = b1.carryValue + b2.carryValue
            }
        } else {
            out.update(from: t, count: n)
        }
    }

    /// base^exponent mod modulus, with a fixed-window ladder sized to the exponent.
    public func power(_ base: BigUInt, _ exponent: BigUInt) -> BigUInt {
        if exponent.isZero { return BigUInt(1) % modulus }
        let reduced = base < modulus ? base : base % modulus
        let n = limbCount
        let exponentBits = exponent.bitWidth
        let window = exponentBits > 512 ? 5 : (exponentBits > 64 ? 4 : 1)
        let tableSize = 1 << window
        var result = [UInt64](repeating: 0, count: n)
        var table = [UInt64](repeating: 0, count: tableSize * n)
        let baseLimbs = Self.padded(reduced, n)
        var one = [UInt64](repeating: 0, count: n)
        one[0] = 1
        modulusLimbs.withUnsafeBufferPointer { mBuffer in
            let m = mBuffer.baseAddress!
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * n + 2) { scratchBuffer in
                let t = scratchBuffer.baseAddress!
                let acc = t + (n + 2)
                table.withUnsafeMutableBufferPointer { tableBuffer in
                    let tab = tableBuffer.baseAddress!
                    // tab[0] = 1·R, tab[1] = base·R, tab[k] = tab[k−1]·tab[1].
                    rModN.withUnsafeBufferPointer { tab.update(from: $0.baseAddress!, count: n) }
                    baseLimbs.withUnsafeBufferPointer { b in
                        rSquared.withUnsafeBufferPointer { r2 in
                            multiply(b.baseAddress!, r2.baseAddress!, into: tab + n, modulus: m, scratch: t)
                        }
                    }
                    if tableSize > 2 {
                        for k in 2..<tableSize {
                            multiply(tab + (k - 1) * n, tab + n, into: tab + k * n, modulus: m, scratch: t)
                        }
                    }
                    acc.update(from: tab, count: n)
                    var bitIndex = exponentBits
                    while bitIndex > 0 {
                        let width = min(window, bitIndex)
                        var value = 0
                        for _ in 0..<width {
                            bitIndex -= 1
                            value = value << 1 | (exponent.bit(bitIndex) ? 1 : 0)
                            multiply(acc, acc, into: acc, modulus: m, scratch: t)
                        }
                        if value != 0 {
                            multiply(acc, tab + value * n, into: acc, modulus: m, scratch: t)
                        }
                    }
                    one.withUnsafeBufferPointer { oneBuffer in
                        multiply(acc, oneBuffer.baseAddress!, into: acc, modulus: m, scratch: t)
                    }
                    result.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: acc, count: n) }
                }
            }
        }
        return BigUInt(limbs: result)
    }
}

extension BigUInt {
    /// self^exponent mod modulus. Odd moduli use Montgomery multiplication; even
    /// moduli fall back to square-and-multiply with division.
    public func power(_ exponent: BigUInt, modulus: BigUInt) -> BigUInt {
        precondition(!modulus.isZero, "modulus must be non-zero")
        if modulus == BigUInt(1) { return BigUInt() }
        if modulus.isOdd {
            return MontgomeryContext(modulus: modulus).power(self, exponent)
        }
        var result = BigUInt(1)
        var base = self % modulus
        for index in 0..<exponent.bitWidth {
            if exponent.bit(index) { result = (result * base) % modulus }
            base = (base * base) % modulus
        }
        return result
    }
}
