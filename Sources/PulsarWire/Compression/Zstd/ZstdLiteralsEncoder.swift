/// Writes the literals section of a compressed block: raw, RLE, or Huffman-coded with a
/// directly represented tree (used when every literal byte is ≤ 128 and it pays off).
enum ZstdLiteralsEncoder {
    private static let maxCodeLength = 11
    private static let minHuffmanCount = 64

    /// Appends the literals section for `literals` to `out`.
    static func encode(_ literals: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let n = literals.count
        var frequencies = [UInt32](repeating: 0, count: 256)
        for byte in literals { frequencies[Int(byte)] += 1 }
        let used = frequencies.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        if used == 1 && n > 1 {
            writeRawOrRLEHeader(type: 1, size: n, into: &out)
            out.append(literals[0])
            return
        }
        let maxSymbol = frequencies.lastIndex { $0 > 0 } ?? 0
        if n >= minHuffmanCount, maxSymbol <= 128, let huffman = huffmanSection(literals, frequencies, maxSymbol),
            huffman.count < n + 3 {
            out.append(contentsOf: huffman)
            return
        }
        writeRawOrRLEHeader(type: 0, size: n, into: &out)
        out.append(contentsOf: literals)
    }

    private static func writeRawOrRLEHeader(type: Int, size: Int, into out: inout [UInt8]) {
        if size < 32 {
            out.append(UInt8(type | size << 3))
        } else if size < 4096 {
            out.append(UInt8(truncatingIfNeeded: type | 1 << 2 | (size & 0xF) << 4))
            out.append(UInt8(truncatingIfNeeded: size >> 4))
        } else {
            out.append(UInt8(truncatingIfNeeded: type | 3 << 2 | (size & 0xF) << 4))
            out.append(UInt8(truncatingIfNeeded: size >> 4))
            out.append(UInt8(truncatingIfNeeded: size >> 12))
        }
    }

    /// The complete Huffman literals section (header, tree description, streams).
    private static func huffmanSection(
        _ literals: UnsafeBufferPointer<UInt8>, _ frequencies: [UInt32], _ maxSymbol: Int
    ) -> [UInt8]? {
        let lengths = HuffmanCodeBuilder.lengths(Array(frequencies[0...maxSymbol]), maxBits: maxCodeLength)
        let tableLog = Int(lengths.max() ?? 0)
        guard tableLog > 0 else { return nil }
        // Weights and canonical codes in the order the decoder lays out its table.
        let weights = lengths.map { $0 == 0 ? 0 : tableLog + 1 - Int($0) }
        var rankStart = [Int](repeating: 0, count: tableLog + 2)
        var next = 0
        for weight in 1...tableLog {
            rankStart[weight] = next
            next += weights.reduce(0) { $0 + ($1 == weight ? 1 : 0) } << (weight - 1)
        }
        var codes = [Int](repeating: 0, count: maxSymbol + 1)
        for (symbol, weight) in weights.enumerated() where weight > 0 {
            codes[symbol] = rankStart[weight] >> (weight - 1)
            rankStart[weight] += 1 << (weight - 1)
        }
        // Tree description: direct 4-bit weights of symbols 0..<maxSymbol (the last is implied).
        var section: [UInt8] = [UInt8(127 + maxSymbol)]
        var k = 0
        while k < maxSymbol {
            let high = weights[k], low = k + 1 < maxSymbol ? weights[k + 1] : 0
            section.append(UInt8(high << 4 | low))
            k += 2
        }
        let n = literals.count
        let fourStreams = n >= 256
        if fourStreams {
            let segment = (n + 3) / 4
            var streams: [[UInt8]] = []
            for s in 0..<4 {
                let start = min(n, s * segment), end = s < 3 ? min(n, start + segment) : n
                streams.append(encodeStream(UnsafeBufferPointer(rebasing: literals[start..<end]), codes, lengths))
            }
            for s in 0..<3 {
                guard streams[s].count <= 0xFFFF else { return nil }
                section.append(UInt8(truncatingIfNeeded: streams[s].count))
                section.append(UInt8(truncatingIfNeeded: streams[s].count >> 8))
            }
            for stream in streams { section.append(contentsOf: stream) }
        } else {
            section.append(contentsOf: encodeStream(literals, codes, lengths))
        }
        // Header: type 2 (compressed) with the smallest size format that fits.
        let compressed = section.count
        let largest = max(n, compressed)
        let sizeFormat: Int, fieldBits: Int
        if !fourStreams {
            guard largest < 1 << 10 else { return nil }
            (sizeFormat, fieldBits) = (0, 10)
        } else if largest < 1 << 10 {
            (sizeFormat, fieldBits) = (1, 10)
        } else if largest < 1 << 14 {
            (sizeFormat, fieldBits) = (2, 14)
        } else {
            guard largest < 1 << 18 else { return nil }
            (sizeFormat, fieldBits) = (3, 18)
        }
        let headerSize = sizeFormat < 2 ? 3 : sizeFormat + 2
        let value = 2 | sizeFormat << 2 | n << 4 | compressed << (4 + fieldBits)
        var result = (0..<headerSize).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        result.append(contentsOf: section)
        return result
    }

    /// One Huffman stream: symbols written last to first, then the end marker.
    private static func encodeStream(_ symbols: UnsafeBufferPointer<UInt8>, _ codes: [Int], _ lengths: [UInt8]) -> [UInt8] {
        var writer = LSBBitWriter(reservingCapacity: symbols.count + 8)
        for symbol in symbols.reversed() {
            writer.write(codes[Int(symbol)], Int(lengths[Int(symbol)]))
        }
        writer.write(1, 1)
        writer.alignToByte()
        return writer.bytes
    }
}
