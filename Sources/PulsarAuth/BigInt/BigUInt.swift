/// An arbitrary-precision unsigned integer stored as little-endian 64-bit limbs.
///
/// Sized for RSA (up to a few thousand bits); not constant-time.
public struct BigUInt: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// Little-endian limbs with no most-significant zero limbs (zero is `[]`).
    public private(set) var limbs: [UInt64]

    /// Zero.
    public init() {
        limbs = []
    }

    /// The value of a single machine word.
    public init(_ value: UInt64) {
        limbs = value == 0 ? [] : [value]
    }

    /// An integer literal (non-negative).
    public init(integerLiteral value: UInt64) {
        self.init(value)
    }

    /// The value of little-endian limbs (leading zero limbs are dropped).
    public init(limbs: [UInt64]) {
        self.limbs = limbs
        normalize()
    }

    /// The value of a big-endian unsigned byte string (leading zeros allowed).
    public init(bigEndianBytes bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        var limbs = [UInt64](repeating: 0, count: (array.count + 7) / 8)
        for (index, byte) in array.reversed().enumerated() {
            limbs[index / 8] |= UInt64(byte) << UInt64(8 * (index % 8))
        }
        self.init(limbs: limbs)
    }

    /// Parses hexadecimal digits (no prefix; `_` and whitespace ignored); `nil` if invalid or empty.
    public init?(hex: some StringProtocol) {
        var nibbles = [UInt8]()
        for scalar in hex.unicodeScalars {
            if scalar == "_" || scalar == " " || scalar == "\n" { continue }
            guard let digit = Self.hexValue(scalar) else { return nil }
            nibbles.append(digit)
        }
        guard !nibbles.isEmpty else { return nil }
        var limbs = [UInt64](repeating: 0, count: (nibbles.count + 15) / 16)
        for (index, nibble) in nibbles.reversed().enumerated() {
            limbs[index / 16] |= UInt64(nibble) << UInt64(4 * (index % 16))
        }
        self.init(limbs: limbs)
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x41...0x46: UInt8(scalar.value - 0x41 + 10)
        case 0x61...0x66: UInt8(scalar.value - 0x61 + 10)
        default: nil
        }
    }

    mutating func normalize() {
        while let last = limbs.last, last == 0 {
            limbs.removeLast()
        }
    }

    /// Whether the value is zero.
    public var isZero: Bool { limbs.isEmpty }

    /// Whether the value is odd.
    public var isOdd: Bool { (limbs.first ?? 0) & 1 == 1 }

    /// The number of significant bits (0 for zero).
    public var bitWidth: Int {
        guard let last = limbs.last else { return 0 }
        return limbs.count * 64 - last.leadingZeroBitCount
    }

    /// The number of bytes in the minimal big-endian encoding (0 for zero).
    public var byteWidth: Int { (bitWidth + 7) / 8 }

    /// Bit `index` (0 = least significant).
    public func bit(_ index: Int) -> Bool {
        let limb = index / 64
        guard limb < limbs.count else { return false }
        return (limbs[limb] >> UInt64(index % 64)) & 1 == 1
    }

    /// The lowest 64 bits.
    public var low64: UInt64 { limbs.first ?? 0 }

    /// The minimal big-endian encoding (empty for zero).
    public func bigEndianBytes() -> [UInt8] {
        let count = byteWidth
        var bytes = [UInt8](repeating: 0, count: count)
        for index in 0..<count {
            bytes[count - 1 - index] = UInt8(truncatingIfNeeded: limbs[index / 8] >> UInt64(8 * (index % 8)))
        }
        return bytes
    }

    /// The big-endian encoding left-padded with zeros to exactly `length` bytes,
    /// or `nil` if the value does not fit.
    public func bigEndianBytes(length: Int) -> [UInt8]? {
        let minimal = bigEndianBytes()
        guard minimal.count <= length else { return nil }
        return [UInt8](repeating: 0, count: length - minimal.count) + minimal
    }

    /// Lowercase hexadecimal digits without leading zeros ("0" for zero).
    public var hexString: String {
        guard let last = limbs.last else { return "0" }
        var text = String(last, radix: 16)
        for limb in limbs.dropLast().reversed() {
            let digits = String(limb, radix: 16)
            text += String(repeating: "0", count: 16 - digits.count) + digits
        }
        return text
    }

    /// `0x` followed by the hexadecimal digits.
    public var description: String { "0x" + hexString }

    /// Numeric ordering.
    public static func < (lhs: BigUInt, rhs: BigUInt) -> Bool {
        compare(lhs.limbs, rhs.limbs) < 0
    }

    /// Three-way comparison of normalized little-endian limb arrays.
    static func compare(_ a: [UInt64], _ b: [UInt64]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        var index = a.count - 1
        while index >= 0 {
            if a[index] != b[index] { return a[index] < b[index] ? -1 : 1 }
            index -= 1
        }
        return 0
    }
}

extension Bool {
    /// 1 or 0 as a word, without a branch (carry/borrow propagation in limb arithmetic).
    @inline(__always)
    var carryValue: UInt64 {
        UInt64(truncatingIfNeeded: unsafeBitCast(self, to: UInt8.self))
    }
}
