/// A Zstandard literals Huffman decoding table (RFC 8878 §4.2).
struct ZstdHuffmanTable: Sendable {
    /// Indexed by the next `tableLog` bits: `symbol << 8 | numberOfBits`.
    private(set) var entries: [UInt16]
    /// The maximum code length (≤ 11).
    let tableLog: Int

    static let maxTableLog = 11

    /// Reads a Huffman tree description at `p[start..<end]`; returns the table and the bytes used.
    static func read(_ p: UnsafePointer<UInt8>, start: Int, end: Int) throws -> (ZstdHuffmanTable, Int) {
        guard start < end else { throw WireError.corruptCompressedData("missing Huffman tree description") }
        let header = Int(p[start])
        var weights: [UInt8] = []
        weights.reserveCapacity(256)
        let used: Int
        if header < 128 {
            // FSE-compressed weights: two interleaved states over one backward bitstream.
            guard header > 0, header <= end - start - 1 else { throw WireError.corruptCompressedData("bad Huffman weights size") }
            let streamEnd = start + 1 + header
            let (fse, tableBytes) = try FSETable.read(p, start: start + 1, end: streamEnd, maxSymbol: 12, maxAccuracyLog: 6)
            var reader = try BackwardBitReader(p, start: start + 1 + tableBytes, end: streamEnd)
            let log = fse.accuracyLog
            try fse.entries.withUnsafeBufferPointer { table in
                var states = (reader.read(log), reader.read(log))
                while true {
                    guard weights.count < 255 else { throw WireError.corruptCompressedData("too many Huffman weights") }
                    var entry = table[states.0]
                    weights.append(UInt8(truncatingIfNeeded: entry))
                    states.0 = Int(entry >> 16) + reader.read(Int(entry >> 8 & 0xFF))
                    if reader.remaining < 0 {
                        weights.append(UInt8(truncatingIfNeeded: table[states.1]))
                        break
                    }
                    guard weights.count < 255 else { throw WireError.corruptCompressedData("too many Huffman weights") }
                    entry = table[states.1]
                    weights.append(UInt8(truncatingIfNeeded: entry))
                    states.1 = Int(entry >> 16) + reader.read(Int(entry >> 8 & 0xFF))
                    if reader.remaining < 0 {
                        weights.append(UInt8(truncatingIfNeeded: table[states.0]))
                        break
                    }
                }
            }
            used = 1 + header
        } else {
            let count = header - 127
            let bytes = (count + 1) / 2
            guard bytes <= end - start - 1 else { throw WireError.corruptCompressedData("truncated Huffman weights") }
            for k in 0..<count {
                let byte = p[start + 1 + k / 2]
                weights.append(k & 1 == 0 ? byte >> 4 : byte & 0x0F)
            }
            used = 1 + bytes
        }
        return (try ZstdHuffmanTable(weights: weights), used)
    }

    /// Builds the table from the explicit weights (the last symbol's weight is implied).
    init(weights explicit: [UInt8]) throws {
        guard explicit.count <= 255 else { throw WireError.corruptCompressedData("too many Huffman weights") }
        var total = 0
        for weight in explicit where weight > 0 {
            guard weight <= Self.maxTableLog else { throw WireError.corruptCompressedData("Huffman weight too large") }
            total += 1 << (weight - 1)
        }
        guard total > 0 else { throw WireError.corruptCompressedData("empty Huffman weights") }
        let tableLog = Int.bitWidth - total.leadingZeroBitCount  // highest bit + 1
        guard tableLog <= Self.maxTableLog else { throw WireError.corruptCompressedData("Huffman table log too large") }
        let rest = (1 << tableLog) - total
        guard rest & (rest - 1) == 0 else { throw WireError.corruptCompressedData("Huffman weights do not sum to a power of 2") }
        let weights = explicit + [UInt8(rest.trailingZeroBitCount + 1)]

        var rankCount = [Int](repeating: 0, count: tableLog + 2)
        for weight in weights { rankCount[Int(weight)] += 1 }
        guard rankCount[1] >= 2, rankCount[1] & 1 == 0 else { throw WireError.corruptCompressedData("bad Huffman weights") }
        var rankStart = [Int](repeating: 0, count: tableLog + 2)
        var next = 0
        for weight in 1...tableLog {
            rankStart[weight] = next
            next += rankCount[weight] << (weight - 1)
        }
        var entries = [UInt16](repeating: 0, count: 1 << tableLog)
        for (symbol, weight8) in weights.enumerated() where weight8 > 0 {
            let weight = Int(weight8)
            let entry = UInt16(symbol) << 8 | UInt16(tableLog + 1 - weight)
            let length = 1 << (weight - 1)
            for k in rankStart[weight]..<(rankStart[weight] + length) { entries[k] = entry }
            rankStart[weight] += length
        }
        self.entries = entries
        self.tableLog = tableLog
    }

    /// Decodes exactly `count` symbols from the backward stream `p[start..<end]` into `out`.
    func decodeStream(_ p: UnsafePointer<UInt8>, start: Int, end: Int, into out: UnsafeMutablePointer<UInt8>, count: Int) throws {
        var reader = try BackwardBitReader(p, start: start, end: end)
        let log = tableLog
        entries.withUnsafeBufferPointer { table in
            var k = 0
            while count - k >= 4 {
                reader.ensure(4 * log)
                for j in 0..<4 {
                    let entry = table[reader.peek(log)]
                    reader.consume(Int(entry & 0xFF))
                    out[k + j] = UInt8(truncatingIfNeeded: entry >> 8)
                }
                k += 4
            }
            while k < count {
                reader.ensure(log)
                let entry = table[reader.peek(log)]
                reader.consume(Int(entry & 0xFF))
                out[k] = UInt8(truncatingIfNeeded: entry >> 8)
                k += 1
            }
        }
        guard reader.remaining == 0 else { throw WireError.corruptCompressedData("Huffman stream size mismatch") }
    }
}

/// The literals section of a compressed block (RFC 8878 §3.1.1.3.1).
enum ZstdLiterals {
    /// The largest regenerated size of a block's literals.
    static let maxSize = 1 << 17

    /// Decodes the literals section at `p[start..<end]` into `out` (capacity ``maxSize``).
    /// Returns the literal count and the section's size in bytes.
    static func decode(
        _ p: UnsafePointer<UInt8>, start: Int, end: Int, huffman: inout ZstdHuffmanTable?,
        into out: UnsafeMutablePointer<UInt8>
    ) throws -> (count: Int, used: Int) {
        guard start < end else { throw WireError.corruptCompressedData("missing literals section") }
        let b0 = Int(p[start])
        let type = b0 & 3, sizeFormat = b0 >> 2 & 3
        if type < 2 {
            // Raw or RLE literals.
            var size: Int, header: Int
            switch sizeFormat {
            case 0, 2:
                size = b0 >> 3
                header = 1
            case 1:
                guard end - start >= 2 else { throw WireError.corruptCompressedData("truncated literals header") }
                size = b0 >> 4 | Int(p[start + 1]) << 4
                header = 2
            default:
                guard end - start >= 3 else { throw WireError.corruptCompressedData("truncated literals header") }
                size = b0 >> 4 | Int(p[start + 1]) << 4 | Int(p[start + 2]) << 12
                header = 3
            }
            guard size <= maxSize else { throw WireError.corruptCompressedData("literals too large") }
            if type == 0 {
                guard size <= end - start - header else { throw WireError.corruptCompressedData("truncated raw literals") }
                UnsafeMutableRawPointer(out).copyMemory(from: p + start + header, byteCount: size)
                return (size, header + size)
            }
            guard end - start > header else { throw WireError.corruptCompressedData("truncated RLE literals") }
            out.update(repeating: p[start + header], count: size)
            return (size, header + 1)
        }
        // Compressed (2) or treeless (3) Huffman literals.
        let header = sizeFormat < 2 ? 3 : sizeFormat + 2
        guard end - start >= header else { throw WireError.corruptCompressedData("truncated literals header") }
        var value = 0
        for k in 0..<header { value |= Int(p[start + k]) << (8 * k) }
        let fieldBits = [10, 10, 14, 18][sizeFormat]
        let regenerated = value >> 4 & (1 << fieldBits - 1)
        let compressed = value >> (4 + fieldBits) & (1 << fieldBits - 1)
        guard regenerated <= maxSize else { throw WireError.corruptCompressedData("literals too large") }
        guard compressed <= end - start - header else { throw WireError.corruptCompressedData("truncated compressed literals") }
        var position = start + header
        let sectionEnd = position + compressed
        if type == 2 {
            let (table, used) = try ZstdHuffmanTable.read(p, start: position, end: sectionEnd)
            huffman = table
            position += used
        }
        guard let table = huffman else { throw WireError.corruptCompressedData("treeless literals without a previous table") }
        if sizeFormat == 0 {
            try table.decodeStream(p, start: position, end: sectionEnd, into: out, count: regenerated)
        } else {
            guard sectionEnd - position >= 6, regenerated >= 6 else { throw WireError.corruptCompressedData("bad 4-stream literals") }
            let sizes = (0..<3).map { Int(p[position + 2 * $0]) | Int(p[position + 2 * $0 + 1]) << 8 }
            var streamStart = position + 6
            let segment = (regenerated + 3) / 4
            for k in 0..<4 {
                let streamEnd = k < 3 ? streamStart + sizes[k] : sectionEnd
                guard streamEnd <= sectionEnd else { throw WireError.corruptCompressedData("bad literals jump table") }
                let outStart = k * segment
                let outCount = k < 3 ? segment : regenerated - 3 * segment
                try table.decodeStream(p, start: streamStart, end: streamEnd, into: out + outStart, count: outCount)
                streamStart = streamEnd
            }
        }
        return (regenerated, header + compressed)
    }
}
