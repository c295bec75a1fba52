import Testing
import PulsarAuth

@Suite(.timeLimit(.minutes(2))) struct BigUIntTests {
    let a = BigUInt(hex: String(repeating: "deadbeef", count: 20))!
    let b = BigUInt(hex: String(repeating: "cafebabe", count: 9))!

    @Test func bytesRoundTrip() {
        #expect(BigUInt(bigEndianBytes: [0, 0, 1, 2]).bigEndianBytes() == [1, 2])
        #expect(BigUInt(bigEndianBytes: [UInt8]()).isZero)
        #expect(BigUInt().bigEndianBytes() == [])
        #expect(BigUInt(0x0102).bigEndianBytes(length: 4) == [0, 0, 1, 2])
        #expect(BigUInt(0x010203).bigEndianBytes(length: 2) == nil)
        let bytes = (1...70).map { UInt8($0) }
        #expect(BigUInt(bigEndianBytes: bytes).bigEndianBytes() == bytes)
        #expect(a.hexString == String(repeating: "deadbeef", count: 20))
        #expect(BigUInt(hex: "xyz") == nil)
        #expect(BigUInt(0).hexString == "0")
    }

    @Test func bitQueries() {
        #expect(BigUInt(1).bitWidth == 1)
        #expect((BigUInt(1) << 200).bitWidth == 201)
        #expect((BigUInt(1) << 200).bit(200))
        #expect(!(BigUInt(1) << 200).bit(199))
        #expect(BigUInt(3).isOdd && !BigUInt(4).isOdd)
    }

    /// Expected values from Python's arbitrary-precision integers.
    @Test func knownProductsAndQuotients() {
        let product = BigUInt(hex: "b092ab7ce9f4b25b2356b9395cb8c017961ac6f5cf7ccdd408ded4b24240db907ba2e26e04723dd004723dd004723dd004723dd004723dd004723dd004723dd004723dd004723dd004723dd004723dcf53df92531a7d8b74e11b8496a7b97db86e5776da34f56ffbfb93691dc231623f88cf5b62")!
        #expect(a * b == product)
        let (quotient, remainder) = a.quotientAndRemainder(dividingBy: b)
        #expect(quotient == BigUInt(hex: "118d2c6e948f8fe77b36314ee63c60a3f3b5ab1606599fd463a50053702d69d5d8fe73883cc57d1c26c5fb903")!)
        #expect(remainder == BigUInt(hex: "158e81c6158e81c6158e81c6158e81c6158e81c6158e81c6158e81c6f43c40b5f43c40b5")!)
    }

    @Test func additionSubtractionAndShifts() {
        let max = BigUInt(UInt64.max)
        #expect((max + BigUInt(1)).limbs == [0, 1])
        #expect((max + BigUInt(1)) - BigUInt(1) == max)
        #expect((a + b) - b == a)
        #expect((a << 77) >> 77 == a)
        #expect(a >> 10_000 == BigUInt())
        #expect(a < a + BigUInt(1))
        #expect(BigUInt(5) > BigUInt(3))
    }

    /// Division identity q·v + r = u with r < v on random operands of many sizes,
    /// including divisors with a top limb that forces Knuth's q̂ corrections.
    @Test func randomDivisionIdentity() {
        var generator = SeededRandom(seed: 42)
        for round in 0..<300 {
            let u = BigUInt.random(bitWidth: 64 + (round * 37) % 900, using: &generator)
            var v = BigUInt.random(bitWidth: 1 + (round * 53) % 600, using: &generator)
            if v.isZero { v = BigUInt(7) }
            if round % 5 == 0 { v = (BigUInt(1) << (64 * (1 + round % 4))) - BigUInt(1) }
            let (q, r) = u.quotientAndRemainder(dividingBy: v)
            #expect(q * v + r == u)
            #expect(r < v)
        }
    }

    @Test func modularPower() {
        let m = (BigUInt(1) << 255) - BigUInt(19)
        let e = (BigUInt(1) << 200) + BigUInt(7)
        #expect(BigUInt(3).power(e, modulus: m) == BigUInt(hex: "2ebdec3354ff1e184fb9f03736bbcc011af6e5f3c8e2588e2950a4130509c126")!)
        #expect(BigUInt(3).power(BigUInt(), modulus: m) == BigUInt(1))
        #expect(BigUInt(5).power(BigUInt(3), modulus: BigUInt(1)) == BigUInt())
        #expect(BigUInt(4).power(BigUInt(13), modulus: BigUInt(497)) == BigUInt(445))
        #expect(BigUInt(4).power(BigUInt(13), modulus: BigUInt(498)) == BigUInt(UInt64(67_108_864 % 498)))  // even modulus
    }

    /// Montgomery exponentiation (odd moduli) agrees with plain square-and-multiply,
    /// which `power` uses for even moduli: compare m odd against the same computation mod 2m.
    @Test func montgomeryAgreesWithPlainArithmetic() {
        var generator = SeededRandom(seed: 7)
        for bits in [64, 65, 128, 500, 1024, 2048] {
            var m = BigUInt.random(bitWidth: bits, using: &generator)
            if !m.isOdd { m = m + BigUInt(1) }
            let base = BigUInt.random(bitWidth: bits + 10, using: &generator)
            let exponent = BigUInt.random(bitWidth: 90, using: &generator)
            let viaMontgomery = base.power(exponent, modulus: m)
            let viaPlain = base.power(exponent, modulus: m << 1) % m
            #expect(viaMontgomery == viaPlain)
            #expect(MontgomeryContext(modulus: m).power(base, exponent) == viaMontgomery)
        }
    }

    @Test func inverseGcdLcm() {
        let lambda = ((BigUInt(1) << 127) - BigUInt(2)) * ((BigUInt(1) << 89) - BigUInt(2)) / BigUInt(2)
        let inverse = BigUInt(65537).inverse(modulo: lambda)
        #expect(inverse == BigUInt(hex: "2a7fd5802a7fd5802a7fd555aaaa555500aaff5500aaff5500ab")!)
        #expect((BigUInt(65537) * inverse!) % lambda == BigUInt(1))
        #expect(BigUInt(6).inverse(modulo: BigUInt(9)) == nil)
        #expect(BigUInt.gcd(BigUInt(84), BigUInt(36)) == BigUInt(12))
        #expect(BigUInt.lcm(BigUInt(4), BigUInt(6)) == BigUInt(12))
    }

    @Test func randomBelowStaysInRange() {
        var generator = SeededRandom(seed: 9)
        let bound = BigUInt(1000)
        for _ in 0..<200 {
            let value = BigUInt.random(below: bound, using: &generator)
            #expect(value >= BigUInt(1) && value < bound)
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct PrimeTests {
    @Test func knownPrimesAndComposites() {
        var generator = SeededRandom(seed: 1)
        let mersenne127 = (BigUInt(1) << 127) - BigUInt(1)
        let mersenne521 = (BigUInt(1) << 521) - BigUInt(1)
        #expect(PrimeGeneration.isProbablePrime(mersenne127, using: &generator))
        #expect(PrimeGeneration.isProbablePrime(mersenne521, using: &generator))
        #expect(PrimeGeneration.isProbablePrime(BigUInt(2), using: &generator))
        #expect(PrimeGeneration.isProbablePrime(BigUInt(8191), using: &generator))
        #expect(!PrimeGeneration.isProbablePrime(BigUInt(1), using: &generator))
        // Carmichael numbers fool Fermat tests but not Miller–Rabin.
        for carmichael: UInt64 in [561, 41041, 825_265, 321_197_185, 5_394_826_801, 232_250_619_601] {
            #expect(!PrimeGeneration.isProbablePrime(BigUInt(carmichael), using: &generator))
        }
        let semiprime = ((BigUInt(1) << 61) - BigUInt(1)) * ((BigUInt(1) << 89) - BigUInt(1))
        #expect(!PrimeGeneration.isProbablePrime(semiprime, using: &generator))
        #expect(!PrimeGeneration.isProbablePrime(mersenne127 * mersenne127, using: &generator))
    }

    @Test func randomPrimeHasRequestedShape() {
        var generator = SeededRandom(seed: 3)
        let prime = PrimeGeneration.randomPrime(bitWidth: 256, using: &generator)
        #expect(prime.bitWidth == 256)
        #expect(prime.bit(254))
        #expect((prime - BigUInt(1)).remainder(dividingBy: 65537) != 0)
        #expect(PrimeGeneration.isProbablePrime(prime, rounds: 40, using: &generator))
    }
}
