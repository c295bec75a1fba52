/// Constant tables of the DEFLATE format (RFC 1951).
enum DeflateTables {
    /// Base match length of length symbols 257...285.
    static let lengthBase: [UInt16] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
        35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    /// Extra bits of length symbols 257...285.
    static let lengthExtra: [UInt8] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
        3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    /// Base distance of distance symbols 0...29.
    static let distanceBase: [UInt16] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
        257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    /// Extra bits of distance symbols 0...29.
    static let distanceExtra: [UInt8] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
        7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    /// The order in which code-length code lengths are stored.
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// Code lengths of the fixed literal/length code.
    static let fixedLiteralLengths: [UInt8] =
        Array(repeating: 8, count: 144) + Array(repeating: 9, count: 112)
        + Array(repeating: 7, count: 24) + Array(repeating: 8, count: 8)
    /// Code lengths of the fixed distance code.
    static let fixedDistanceLengths: [UInt8] = Array(repeating: 5, count: 30)

    /// Length symbol index (0...28) of each match length 0...258 (entries below 3 unused).
    static let lengthSymbol: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 259)
        for symbol in 0..<29 {
            let base = Int(lengthBase[symbol])
            for length in base..<min(259, base + (1 << Int(lengthExtra[symbol]))) { table[length] = UInt8(symbol) }
        }
        return table
    }()

    /// Distance symbol of `distance` (1...32768).
    @inline(__always)
    static func distanceSymbol(_ distance: Int) -> Int {
        let d = distance - 1
        if d < 4 { return d }
        let log = Int.bitWidth - 1 - d.leadingZeroBitCount  // ≥ 2
        return 2 * log + ((d >> (log - 1)) & 1)
    }
}
