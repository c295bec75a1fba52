/// Probabilistic primality testing and random prime generation for RSA keys.
public enum PrimeGeneration {
    /// The odd primes below 8,192, for trial division and sieving.
    static let smallPrimes: [UInt64] = {
        let limit = 8192
        var composite = [Bool](repeating: false, count: limit)
        var primes = [UInt64]()
        for candidate in 3..<limit where !composite[candidate] && candidate % 2 == 1 {
            primes.append(UInt64(candidate))
            var multiple = candidate * candidate
            while multiple < limit {
                composite[multiple] = true
                multiple += candidate
            }
        }
        return primes
    }()

    /// Miller–Rabin rounds giving an error probability below 2⁻¹⁰⁰ for random
    /// candidates of this size (FIPS 186-4, table C.3).
    static func roundsForRandomCandidate(bitWidth: Int) -> Int {
        switch bitWidth {
        case 1536...: 4
        case 1024...: 5
        case 512...: 8
        case 256...: 16
        default: 40
        }
    }

    /// Whether `n` is probably prime: trial division, then `rounds` Miller–Rabin
    /// tests with random bases (default: enough for 2⁻¹⁰⁰ on random inputs, at least 40 for small ones).
    public static func isProbablePrime(
        _ n: BigUInt, rounds: Int? = nil, using generator: inout some RandomNumberGenerator
    ) -> Bool {
        if n < BigUInt(2) { return false }
        if n.limbs.count == 1 && n.limbs[0] < 8192 {
            let value = n.limbs[0]
            return value == 2 || smallPrimes.contains(value)
        }
        if !n.isOdd { return false }
        for prime in smallPrimes where n.remainder(dividingBy: prime) == 0 {
            return false
        }
        return millerRabin(n, rounds: rounds ?? roundsForRandomCandidate(bitWidth: n.bitWidth), using: &generator)
    }

    /// Whether `n` is probably prime, using the system random number generator.
    public static func isProbablePrime(_ n: BigUInt, rounds: Int? = nil) -> Bool {
        var generator = SystemRandomNumberGenerator()
        return isProbablePrime(n, rounds: rounds, using: &generator)
    }

    /// Miller–Rabin on an odd `n > 8192`.
    static func millerRabin(_ n: BigUInt, rounds: Int, using generator: inout some RandomNumberGenerator) -> Bool {
        let one = BigUInt(1)
        let nMinusOne = n - one
        var d = nMinusOne
        var s = 0
        while !d.isOdd {
            d = d >> 1
            s += 1
        }
        let context = MontgomeryContext(modulus: n)
        let nMinusThree = n - BigUInt(3)
        for _ in 0..<rounds {
            let base = BigUInt.random(below: nMinusThree, using: &generator) + BigUInt(1)  // 2 ... n−2
            var x = context.power(base, d)
            if x == one || x == nMinusOne { continue }
            var witnessed = true
            for _ in 0..<(s - 1) {
                x = (x * x) % n
                if x == nMinusOne {
                    witnessed = false
                    break
                }
                if x == one { break }
            }
            if witnessed { return false }
        }
        return true
    }

    /// A random prime of exactly `bitWidth` bits whose two top bits are set (so the
    /// product of two such primes has exactly twice the width), and such that
    /// `gcd(p − 1, publicExponent) = 1` when `publicExponent` is a prime like 65537.
    public static func randomPrime(
        bitWidth: Int, coprimeMinusOneTo publicExponent: UInt64 = 65537,
        using generator: inout some RandomNumberGenerator
    ) -> BigUInt {
        precondition(bitWidth >= 16, "prime too small")
        let searchSpan: UInt64 = 1 << 16
        while true {
            var start = BigUInt.random(bitWidth: bitWidth, using: &generator)
            start = start + (BigUInt(3) << (bitWidth - 2)) - ((start >> (bitWidth - 2)) << (bitWidth - 2))
            if !start.isOdd { start = start + BigUInt(1) }
            let residues = smallPrimes.map { start.remainder(dividingBy: $0) }
            var delta: UInt64 = 0
            while delta < searchSpan {
                defer { delta += 2 }
                var divisible = false
                for (index, prime) in smallPrimes.enumerated() where (residues[index] + delta) % prime == 0 {
                    divisible = true
                    break
                }
                if divisible { continue }
                let candidate = start + BigUInt(delta)
                guard candidate.bitWidth == bitWidth else { break }
                if publicExponent > 1 && (candidate - BigUInt(1)).remainder(dividingBy: publicExponent) == 0 { continue }
                if millerRabin(candidate, rounds: roundsForRandomCandidate(bitWidth: bitWidth), using: &generator) {
                    return candidate
                }
            }
        }
    }
}
