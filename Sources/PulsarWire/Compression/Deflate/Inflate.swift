/// DEFLATE (RFC 1951) decoding, wrapped in the zlib format (RFC 1950).
enum Inflate {
    private static let fixedTables: (literals: HuffmanDecodeTable, distances: HuffmanDecodeTable) = {
        // The fixed codes are valid by construction.
        let literals = try! HuffmanDecodeTable(lengths: DeflateTables.fixedLiteralLengths[...], primaryBits: 9)
        let distances = try! HuffmanDecodeTable(lengths: DeflateTables.fixedDistanceLengths[...], primaryBits: 5)
        return (literals, distances)
    }()

    /// Decodes a zlib stream into `dst`; returns the number of bytes written.
    static func zlibDecompress(_ src: UnsafeBufferPointer<UInt8>, into dst: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        guard let ip = src.baseAddress, let op = dst.baseAddress, src.count >= 6 else {
            throw WireError.corruptCompressedData("zlib stream too short")
        }
        let cmf = Int(ip[0]), flg = Int(ip[1])
        guard cmf & 0x0F == 8, cmf >> 4 <= 7, (cmf << 8 | flg) % 31 == 0 else {
            throw WireError.corruptCompressedData("bad zlib header")
        }
        guard flg & 0x20 == 0 else {
            throw WireError(.unsupportedCompression, "zlib preset dictionaries are not supported")
        }
        var reader = LSBBitReader(ip, count: src.count, position: 2)
        let written = try inflate(&reader, op, dst.count)
        let end = reader.alignToByte()
        guard end + 4 == src.count else {
            throw WireError.corruptCompressedData(end + 4 > src.count ? "truncated zlib trailer" : "data after the zlib trailer")
        }
        let expected = UInt32(ip[end]) << 24 | UInt32(ip[end + 1]) << 16 | UInt32(ip[end + 2]) << 8 | UInt32(ip[end + 3])
        guard Adler32.checksum(op, count: written) == expected else {
            throw WireError.corruptCompressedData("zlib Adler-32 mismatch")
        }
        return written
    }

    /// Decodes DEFLATE blocks up to and including the final one.
    static func inflate(_ reader: inout LSBBitReader, _ op: UnsafeMutablePointer<UInt8>, _ oend: Int) throws -> Int {
        var o = 0
        while true {
            let header = reader.readBits(3)
            let isFinal = header & 1 == 1
            switch header >> 1 {
            case 0:
                let start = reader.alignToByte()
                guard start + 4 <= reader.count else { throw WireError.corruptCompressedData("truncated stored block") }
                let length = Int(reader.base[start]) | Int(reader.base[start + 1]) << 8
                let complement = Int(reader.base[start + 2]) | Int(reader.base[start + 3]) << 8
                guard length == complement ^ 0xFFFF else { throw WireError.corruptCompressedData("bad stored block length") }
                guard length <= reader.count - start - 4 else { throw WireError.corruptCompressedData("truncated stored block") }
                guard length <= oend - o else { throw outputOverflow(oend) }
                UnsafeMutableRawPointer(op + o).copyMemory(from: reader.base + start + 4, byteCount: length)
                o += length
                reader.seek(to: start + 4 + length)
            case 1:
                o = try decodeBlock(&reader, op, o, oend, fixedTables.literals, fixedTables.distances)
            case 2:
                let (literals, distances) = try readDynamicTables(&reader)
                o = try decodeBlock(&reader, op, o, oend, literals, distances)
            default:
                throw WireError.corruptCompressedData("reserved DEFLATE block type")
            }
            guard !reader.overrun else { throw WireError.corruptCompressedData("truncated DEFLATE stream") }
            if isFinal { return o }
        }
    }

    private static func readDynamicTables(_ reader: inout LSBBitReader) throws -> (HuffmanDecodeTable, HuffmanDecodeTable) {
        let literalCount = reader.readBits(5) + 257
        let distanceCount = reader.readBits(5) + 1
        let codeLengthCount = reader.readBits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw WireError.corruptCompressedData("too many DEFLATE length or distance codes")
        }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for k in 0..<codeLengthCount {
            codeLengthLengths[DeflateTables.codeLengthOrder[k]] = UInt8(reader.readBits(3))
        }
        let codeLengthTable = try HuffmanDecodeTable(lengths: codeLengthLengths[...], primaryBits: 7)
        let total = literalCount + distanceCount
        var lengths = [UInt8](repeating: 0, count: total)
        var k = 0
        try codeLengthTable.entries.withUnsafeBufferPointer { table in
            let mask = (1 << codeLengthTable.primaryBits) - 1
            while k < total {
                reader.refill()
                let entry = table[reader.peek(codeLengthTable.primaryBits) & mask]
                let bits = Int(entry & 0xFF)
                guard bits > 0 else { throw WireError.corruptCompressedData("invalid code-length code") }
                reader.consume(bits)
                let symbol = Int(entry >> 16)
                var repeatValue: UInt8 = 0
                var repeatCount: Int
                switch symbol {
                case 0...15:
                    lengths[k] = UInt8(symbol)
                    k += 1
                    continue
                case 16:
                    guard k > 0 else { throw WireError.corruptCompressedData("repeat of no previous code length") }
                    repeatValue = lengths[k - 1]
                    repeatCount = 3 + reader.read(2)
                case 17:
                    repeatCount = 3 + reader.read(3)
                default:
                    repeatCount = 11 + reader.read(7)
                }
                guard repeatCount <= total - k else { throw WireError.corruptCompressedData("code lengths overflow") }
                for j in k..<(k + repeatCount) { lengths[j] = repeatValue }
                k += repeatCount
            }
        }
        guard lengths[256] > 0 else { throw WireError.corruptCompressedData("missing end-of-block code") }
        let literals = try HuffmanDecodeTable(lengths: lengths[0..<literalCount], primaryBits: 10)
        let distances = try HuffmanDecodeTable(lengths: lengths[literalCount...], primaryBits: 8)
        return (literals, distances)
    }

    /// Decodes the symbols of one Huffman-coded block.
    private static func decodeBlock(
        _ reader: inout LSBBitReader, _ op: UnsafeMutablePointer<UInt8>, _ start: Int, _ oend: Int,
        _ literals: HuffmanDecodeTable, _ distances: HuffmanDecodeTable
    ) throws -> Int {
        var o = start
        let lp = literals.primaryBits, ls = literals.secondaryBits
        let dp = distances.primaryBits, ds = distances.secondaryBits
        try literals.entries.withUnsafeBufferPointer { lt in
            try distances.entries.withUnsafeBufferPointer { dt in
                try DeflateTables.lengthBase.withUnsafeBufferPointer { lengthBase in
                    try DeflateTables.distanceBase.withUnsafeBufferPointer { distanceBase in
                        while true {
                            reader.refill()  // ≥ 56 bits: enough for a full length/distance pair (≤ 48)
                            var entry = lt[reader.peek(lp)]
                            if entry & 0x8000 != 0 {
                                entry = lt[Int(entry >> 16) + (reader.peek(lp + ls) >> lp)]
                            }
                            let bits = Int(entry & 0xFF)
                            guard bits > 0 else { throw WireError.corruptCompressedData("invalid literal/length code") }
                            reader.consume(bits)
                            let symbol = Int(entry >> 16)
                            if symbol < 256 {
                                guard o < oend else { throw outputOverflow(oend) }
                                op[o] = UInt8(truncatingIfNeeded: symbol)
                                o += 1
                                continue
                            }
                            if symbol == 256 { return }
                            let lengthIndex = symbol - 257
                            guard lengthIndex < 29 else { throw WireError.corruptCompressedData("invalid length symbol") }
                            let length = Int(lengthBase[lengthIndex])
                                + reader.read(Int(DeflateTables.lengthExtra[lengthIndex]))
                            var dEntry = dt[reader.peek(dp)]
                            if dEntry & 0x8000 != 0 {
                                dEntry = dt[Int(dEntry >> 16) + (reader.peek(dp + ds) >> dp)]
                            }
                            let dBits = Int(dEntry & 0xFF)
                            guard dBits > 0 else { throw WireError.corruptCompressedData("invalid distance code") }
                            reader.consume(dBits)
                            let dSymbol = Int(dEntry >> 16)
                            guard dSymbol < 30 else { throw WireError.corruptCompressedData("invalid distance symbol") }
                            let distance = Int(distanceBase[dSymbol]) + reader.read(Int(DeflateTables.distanceExtra[dSymbol]))
                            guard distance <= o else { throw WireError.corruptCompressedData("distance too far back") }
                            guard length <= oend - o else { throw outputOverflow(oend) }
                            copyMatch(op + o, offset: distance, length: length)
                            o += length
                        }
                    }
                }
            }
        }
        return o
    }
}
