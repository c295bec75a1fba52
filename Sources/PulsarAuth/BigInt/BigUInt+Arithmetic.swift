extension BigUInt {
    /// Sum.
    public static func + (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        let (long, short) = lhs.limbs.count >= rhs.limbs.count ? (lhs.limbs, rhs.limbs) : (rhs.limbs, lhs.limbs)
        var result = long
        var carry: UInt64 = 0
        for index in 0..<long.count {
            let addend = index < short.count ? short[index] : 0
            if addend == 0 && carry == 0 && index >= short.count { break }
            let (partial, overflow1) = result[index].addingReportingOverflow(addend)
            let (sum, overflow2) = partial.addingReportingOverflow(carry)
            result[index] = sum
            carry = overflow1.carryValue + overflow2.carryValue
        }
        if carry != 0 { result.append(carry) }
        return BigUInt(limbs: result)
    }

    /// Difference; traps if `rhs > lhs`.
    public static func - (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        precondition(lhs >= rhs, "BigUInt subtraction underflow")
        var result = lhs.limbs
        var borrow: UInt64 = 0
        for index in 0..<result.count {
            let subtrahend = index < rhs.limbs.count ? rhs.limbs[index] : 0
            if subtrahend == 0 && borrow == 0 && index >= rhs.limbs.count { break }
            let (partial, overflow1) = result[index].subtractingReportingOverflow(subtrahend)
            let (difference, overflow2) = partial.subtractingReportingOverflow(borrow)
            result[index] = difference
            borrow = overflow1.carryValue + overflow2.carryValue
        }
        return BigUInt(limbs: result)
    }

    /// Product (schoolbook).
    public static func * (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        if lhs.isZero || rhs.isZero { return BigUInt() }
        let a = lhs.limbs, b = rhs.limbs
        var result = [UInt64](repeating: 0, count: a.count + b.count)
        for i in 0..<a.count {
            var carry: UInt64 = 0
            let ai = a[i]
            for j in 0..<b.count {
                let (high, low) = ai.multipliedFullWidth(by: b[j])
                let (sum1, overflow1) = low.addingReportingOverflow(result[i + j])
                let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
                result[i + j] = sum2
                carry = high &+ overflow1.carryValue &+ overflow2.carryValue
            }
            result[i + b.count] = carry
        }
        return BigUInt(limbs: result)
    }

    /// Left shift by `bits`.
    public static func << (lhs: BigUInt, bits: Int) -> BigUInt {
        precondition(bits >= 0)
        if lhs.isZero { return lhs }
        let limbShift = bits / 64, bitShift = UInt64(bits % 64)
        var result = [UInt64](repeating: 0, count: lhs.limbs.count + limbShift + 1)
        for (index, limb) in lhs.limbs.enumerated() {
            result[index + limbShift] |= limb << bitShift
            if bitShift != 0 {
                result[index + limbShift + 1] |= limb >> (64 - bitShift)
            }
        }
        return BigUInt(limbs: result)
    }

    /// Right shift by `bits`.
    public static func >> (lhs: BigUInt, bits: Int) -> BigUInt {
        precondition(bits >= 0)
        let limbShift = bits / 64, bitShift = UInt64(bits % 64)
        guard limbShift < lhs.limbs.count else { return BigUInt() }
        var result = [UInt64](repeating: 0, count: lhs.limbs.count - limbShift)
        for index in 0..<result.count {
            result[index] = lhs.limbs[index + limbShift] >> bitShift
            if bitShift != 0, index + limbShift + 1 < lhs.limbs.count {
                result[index] |= lhs.limbs[index + limbShift + 1] << (64 - bitShift)
            }
        }
        return BigUInt(limbs: result)
    }

    /// Remainder modulo a single word (which must be non-zero).
    public func remainder(dividingBy divisor: UInt64) -> UInt64 {
        precondition(divisor != 0)
        var remainder: UInt64 = 0
        for limb in limbs.reversed() {
            remainder = divisor.dividingFullWidth((high: remainder, low: limb)).remainder
        }
        return remainder
    }

    /// Quotient and remainder (Knuth, TAOCP vol. 2, algorithm 4.3.1 D); traps on division by zero.
    public func quotientAndRemainder(dividingBy divisor: BigUInt) -> (quotient: BigUInt, remainder: BigUInt) {
        precondition(!divisor.isZero, "BigUInt division by zero")
        if self < divisor { return (BigUInt(), self) }
        if divisor.limbs.count == 1 {
            let d = divisor.limbs[0]
            var quotient = [UInt64](repeating: 0, count: limbs.count)
            var remainder: UInt64 = 0
            for index in stride(from: limbs.count - 1, through: 0, by: -1) {
                let (q, r) = d.dividingFullWidth((high: remainder, low: limbs[index]))
                quotient[index] = q
                remainder = r
            }
            return (BigUInt(limbs: quotient), BigUInt(remainder))
        }
        let shift = divisor.limbs.last!.leadingZeroBitCount
        let v = (divisor << shift).limbs
        var u = (self << shift).limbs
        if u.count == limbs.count { u.append(0) }
        let n = v.count, m = u.count - n
        var quotient = [UInt64](repeating: 0, count: m)
        let vTop = v[n - 1], vNext = v[n - 2]
        for j in stride(from: m - 1, through: 0, by: -1) {
            var qHat: UInt64
            var rHat: UInt64
            var rHatOverflowed = false
            if u[j + n] >= vTop {
                qHat = UInt64.max
                let (sum, overflow) = u[j + n - 1].addingReportingOverflow(vTop)
                rHat = sum
                rHatOverflowed = overflow
            } else {
                (qHat, rHat) = vTop.dividingFullWidth((high: u[j + n], low: u[j + n - 1]))
            }
            while !rHatOverflowed {
                let product = qHat.multipliedFullWidth(by: vNext)
                if product.high > rHat || (product.high == rHat && product.low > u[j + n - 2]) {
                    qHat -= 1
                    let (sum, overflow) = rHat.addingReportingOverflow(vTop)
                    rHat = sum
                    rHatOverflowed = overflow
                } else {
                    break
                }
            }
            var borrow: UInt64 = 0
            var carry: UInt64 = 0
            for i in 0..<n {
                let (high, low) = qHat.multipliedFullWidth(by: v[i])
                let (productLow, overflow) = low.addingReportingOverflow(carry)
                carry = high &+ overflow.carryValue
                let (difference1, borrow1) = u[i + j].subtractingReportingOverflow(productLow)
                let (difference2, borrow2) = difference1.subtractingReportingOverflow(borrow)
                u[i + j] = difference2
                borrow = borrow1.carryValue + borrow2.carryValue
            }
            let (top1, borrow1) = u[j + n].subtractingReportingOverflow(carry)
            let (top2, borrow2) = top1.subtractingReportingOverflow(borrow)
            u[j + n] = top2
            if borrow1 || borrow2 {
                qHat -= 1
                var addCarry: UInt64 = 0
                for i in 0..<n {
                    let (sum1, overflow1) = u[i + j].addingReportingOverflow(v[i])
                    let (sum2, overflow2) = sum1.addingReportingOverflow(addCarry)
                    u[i + j] = sum2
                    addCarry = overflow1.carryValue + overflow2.carryValue
                }
                u[j + n] &+= addCarry
            }
            quotient[j] = qHat
        }
        let remainder = BigUInt(limbs: Array(u[0..<n])) >> shift
        return (BigUInt(limbs: quotient), remainder)
    }

    /// Quotient.
    public static func / (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        lhs.quotientAndRemainder(dividingBy: rhs).quotient
    }

    /// Remainder.
    public static func % (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        lhs.quotientAndRemainder(dividingBy: rhs).remainder
    }
}
