/// A two-level lookup table decoding canonical DEFLATE prefix codes read LSB-first.
///
/// An entry is `symbol << 16 | length` (length 0 marks an unused code), or, in the
/// primary table, `subtableStart << 16 | 0x8000` for codes longer than `primaryBits`.
struct HuffmanDecodeTable: Sendable {
    private(set) var entries: [UInt32]
    let primaryBits: Int
    let secondaryBits: Int

    static let maxCodeLength = 15

    /// Builds the table from per-symbol code lengths (0 = unused). Over-subscribed
    /// codes are rejected; incomplete codes are accepted and their holes decode as errors.
    init(lengths: ArraySlice<UInt8>, primaryBits wanted: Int) throws {
        var counts = [Int](repeating: 0, count: Self.maxCodeLength + 1)
        for length in lengths {
            guard length <= Self.maxCodeLength else { throw WireError.corruptCompressedData("Huffman code length too long") }
            counts[Int(length)] += 1
        }
        counts[0] = 0
        var left = 1
        for length in 1...Self.maxCodeLength {
            left = left << 1 - counts[length]
            guard left >= 0 else { throw WireError.corruptCompressedData("over-subscribed Huffman code") }
        }
        var maxLength = 0
        for length in 1...Self.maxCodeLength where counts[length] > 0 { maxLength = length }
        let primary = max(1, min(wanted, maxLength))
        primaryBits = primary
        secondaryBits = max(0, maxLength - primary)
        var entries = [UInt32](repeating: 0, count: 1 << primary)

        var nextCode = [Int](repeating: 0, count: Self.maxCodeLength + 2)
        var code = 0
        for length in 1...Self.maxCodeLength {
            code = (code + counts[length - 1]) << 1
            nextCode[length] = code
        }
        let secondary = secondaryBits
        var symbol = 0
        for length8 in lengths {
            defer { symbol += 1 }
            let length = Int(length8)
            guard length > 0 else { continue }
            let reversed = Self.reverse(nextCode[length], bits: length)
            nextCode[length] += 1
            let entry = UInt32(symbol) << 16 | UInt32(length)
            if length <= primary {
                var index = reversed
                while index < 1 << primary {
                    entries[index] = entry
                    index += 1 << length
                }
            } else {
                let prefix = reversed & (1 << primary - 1)
                if entries[prefix] & 0x8000 == 0 {
                    entries[prefix] = UInt32(entries.count) << 16 | 0x8000
                    entries.append(contentsOf: repeatElement(0, count: 1 << secondary))
                }
                let start = Int(entries[prefix] >> 16)
                let step = 1 << (length - primary)
                var index = reversed >> primary
                while index < 1 << secondary {
                    entries[start + index] = entry
                    index += step
                }
            }
        }
        self.entries = entries
    }

    @inline(__always)
    static func reverse(_ code: Int, bits: Int) -> Int {
        var result = 0, code = code
        for _ in 0..<bits {
            result = result << 1 | code & 1
            code >>= 1
        }
        return result
    }
}

/// Building length-limited Huffman codes for the DEFLATE encoder.
enum HuffmanCodeBuilder {
    /// Code lengths (≤ `maxBits`) for `frequencies`; symbols with frequency 0 get length 0.
    /// A single used symbol gets length 1.
    static func lengths(_ frequencies: [UInt32], maxBits: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: frequencies.count)
        var symbols = frequencies.indices.filter { frequencies[$0] > 0 }
        if symbols.count <= 1 {
            for s in symbols { result[s] = 1 }
            return result
        }
        symbols.sort { (frequencies[$0], $0) < (frequencies[$1], $1) }
        let n = symbols.count
        // Two-queue Huffman construction: leaves in `symbols` order, then internal nodes.
        var weight = [UInt64](repeating: 0, count: 2 * n - 1)
        var parent = [Int](repeating: 0, count: 2 * n - 1)
        for k in 0..<n { weight[k] = UInt64(frequencies[symbols[k]]) }
        var leaf = 0, node = n
        for next in n..<(2 * n - 1) {
            var picked = (0, 0)
            for slot in 0..<2 {
                let index: Int
                if leaf < n && (node >= next || weight[leaf] <= weight[node]) {
                    index = leaf
                    leaf += 1
                } else {
                    index = node
                    node += 1
                }
                if slot == 0 { picked.0 = index } else { picked.1 = index }
            }
            weight[next] = weight[picked.0] + weight[picked.1]
            parent[picked.0] = next
            parent[picked.1] = next
        }
        var depth = [Int](repeating: 0, count: 2 * n - 1)
        var countPerLength = [Int](repeating: 0, count: maxBits + 1)
        for k in stride(from: 2 * n - 3, through: 0, by: -1) {
            depth[k] = depth[parent[k]] + 1
            if k < n { countPerLength[min(depth[k], maxBits)] += 1 }
        }
        // Enforce the length limit by repairing the Kraft sum.
        var total = 0
        for length in 1...maxBits { total += countPerLength[length] << (maxBits - length) }
        while total > 1 << maxBits {
            countPerLength[maxBits] -= 1
            for length in stride(from: maxBits - 1, through: 1, by: -1) where countPerLength[length] > 0 {
                countPerLength[length] -= 1
                countPerLength[length + 1] += 2
                break
            }
            total -= 1
        }
        // Longest codes to the least frequent symbols.
        var k = 0
        for length in stride(from: maxBits, through: 1, by: -1) {
            for _ in 0..<countPerLength[length] {
                result[symbols[k]] = UInt8(length)
                k += 1
            }
        }
        return result
    }

    /// Canonical codes for `lengths`, bit-reversed for LSB-first output.
    static func reversedCodes(_ lengths: [UInt8]) -> [UInt16] {
        var counts = [Int](repeating: 0, count: 17)
        for length in lengths { counts[Int(length)] += 1 }
        counts[0] = 0
        var nextCode = [Int](repeating: 0, count: 17)
        var code = 0
        for length in 1...16 {
            code = (code + counts[length - 1]) << 1
            nextCode[length] = code
        }
        var codes = [UInt16](repeating: 0, count: lengths.count)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            codes[symbol] = UInt16(HuffmanDecodeTable.reverse(nextCode[Int(length)], bits: Int(length)))
            nextCode[Int(length)] += 1
        }
        return codes
    }
}
