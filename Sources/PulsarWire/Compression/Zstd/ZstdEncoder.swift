/// A simple Zstandard compressor producing one single-segment frame with the content
/// size and no checksum: greedy hash-table matching (with repeat-offset checks),
/// Huffman or raw literals, and sequences coded with the predefined FSE tables.
/// Blocks that do not shrink are stored raw; blocks of a single byte value as RLE.
enum ZstdEncoder {
    private static let blockSize = 1 << 17
    private static let hashLog = 16
    private static let maxOffset = 1 << 22
    private static let minMatch = 4

    /// Compresses `src` into one zstd frame.
    static func compress(_ src: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let n = src.count
        var out: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
        out.reserveCapacity(n + n / 64 + 32)
        // Frame header: single segment, Frame_Content_Size of 1, 2, 4 or 8 bytes.
        let (flag, fieldSize, stored): (Int, Int, UInt64) =
            n < 256 ? (0, 1, UInt64(n))
            : n < 65536 + 256 ? (1, 2, UInt64(n - 256))
            : n <= Int(UInt32.max) ? (2, 4, UInt64(n)) : (3, 8, UInt64(n))
        out.append(UInt8(flag << 6 | 0x20))
        for k in 0..<fieldSize { out.append(UInt8(truncatingIfNeeded: stored >> UInt64(8 * k))) }

        guard let ip = src.baseAddress, n > 0 else {
            out.append(contentsOf: [1, 0, 0])  // last, raw, size 0
            return out
        }
        let table = UnsafeMutablePointer<Int32>.allocate(capacity: 1 << hashLog)
        table.initialize(repeating: -1, count: 1 << hashLog)
        defer { table.deallocate() }
        var repeatOffset = 1  // the decoder's initial Repeat_Offset1
        var literals = [UInt8]()
        literals.reserveCapacity(blockSize)
        var sequences: [(literalLength: Int, matchLength: Int, offsetValue: Int)] = []
        var start = 0
        while start < n {
            let end = min(n, start + blockSize)
            let isLast = end == n
            literals.removeAll(keepingCapacity: true)
            sequences.removeAll(keepingCapacity: true)
            findSequences(ip, start, end, table, &repeatOffset, &literals, &sequences)
            var body: [UInt8] = []
            literals.withUnsafeBufferPointer { ZstdLiteralsEncoder.encode($0, into: &body) }
            encodeSequences(sequences, into: &body)
            let size = end - start
            if body.count < size {
                if body.count < 16, (start..<end).allSatisfy({ ip[$0] == ip[start] }) {
                    appendBlockHeader(last: isLast, type: 1, size: size, into: &out)
                    out.append(ip[start])
                } else {
                    appendBlockHeader(last: isLast, type: 2, size: body.count, into: &out)
                    out.append(contentsOf: body)
                }
            } else {
                appendBlockHeader(last: isLast, type: 0, size: size, into: &out)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: src[start..<end]))
            }
            start = end
        }
        return out
    }

    private static func appendBlockHeader(last: Bool, type: Int, size: Int, into out: inout [UInt8]) {
        let header = (last ? 1 : 0) | type << 1 | size << 3
        out.append(UInt8(truncatingIfNeeded: header))
        out.append(UInt8(truncatingIfNeeded: header >> 8))
        out.append(UInt8(truncatingIfNeeded: header >> 16))
    }

    /// Greedy parse of `ip[start..<end]`; matches may reach back into earlier blocks.
    private static func findSequences(
        _ ip: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ table: UnsafeMutablePointer<Int32>,
        _ repeatOffset: inout Int, _ literals: inout [UInt8],
        _ sequences: inout [(literalLength: Int, matchLength: Int, offsetValue: Int)]
    ) {
        var i = start, anchor = start
        var attempts = 1 << 6
        while i + minMatch <= end {
            let sequence = load32(ip + i)
            // Repeat offset (with literals pending, Offset_Value 1 means Repeat_Offset1).
            if i > anchor, i - repeatOffset >= 0, load32(ip + i - repeatOffset) == sequence {
                let length = minMatch + matchLength(ip + i + minMatch, ip + i - repeatOffset + minMatch, limit: end - i - minMatch)
                literals.append(contentsOf: UnsafeBufferPointer(start: ip + anchor, count: i - anchor))
                sequences.append((i - anchor, length, 1))
                i += length
                anchor = i
                attempts = 1 << 6
                continue
            }
            let h = Int((sequence &* 2_654_435_761) >> UInt32(32 - hashLog))
            var candidate = Int(table[h])
            table[h] = Int32(truncatingIfNeeded: i)
            guard candidate >= 0, i - candidate <= maxOffset, load32(ip + candidate) == sequence else {
                i += attempts >> 6
                attempts += 1
                continue
            }
            attempts = 1 << 6
            while i > anchor, candidate > 0, ip[i - 1] == ip[candidate - 1] {
                i -= 1
                candidate -= 1
            }
            let length = minMatch + matchLength(ip + i + minMatch, ip + candidate + minMatch, limit: end - i - minMatch)
            let offset = i - candidate
            literals.append(contentsOf: UnsafeBufferPointer(start: ip + anchor, count: i - anchor))
            sequences.append((i - anchor, length, offset + 3))
            repeatOffset = offset
            i += length
            anchor = i
            if i - 2 + minMatch <= end {
                table[Int((load32(ip + i - 2) &* 2_654_435_761) >> UInt32(32 - hashLog))] = Int32(truncatingIfNeeded: i - 2)
            }
        }
        literals.append(contentsOf: UnsafeBufferPointer(start: ip + anchor, count: end - anchor))
    }

    /// Appends the sequences section, coded with the predefined FSE tables.
    private static func encodeSequences(
        _ sequences: [(literalLength: Int, matchLength: Int, offsetValue: Int)], into out: inout [UInt8]
    ) {
        let count = sequences.count
        if count < 128 {
            out.append(UInt8(count))
        } else if count < 0x7F00 {
            out.append(UInt8(count >> 8 + 128))
            out.append(UInt8(truncatingIfNeeded: count))
        } else {
            out.append(255)
            out.append(UInt8(truncatingIfNeeded: count - 0x7F00))
            out.append(UInt8(truncatingIfNeeded: (count - 0x7F00) >> 8))
        }
        guard count > 0 else { return }
        out.append(0)  // all three tables predefined
        let ll = ZstdPredefined.literalLengthEncoder, ml = ZstdPredefined.matchLengthEncoder
        let of = ZstdPredefined.offsetEncoder
        var writer = LSBBitWriter(reservingCapacity: count * 6 + 8)
        var llState = 0, mlState = 0, ofState = 0
        for index in stride(from: count - 1, through: 0, by: -1) {
            let sequence = sequences[index]
            let llCode = literalLengthCode(sequence.literalLength)
            let mlCode = matchLengthCode(sequence.matchLength - 3)
            let ofCode = Int.bitWidth - 1 - sequence.offsetValue.leadingZeroBitCount
            if index == count - 1 {
                mlState = ml.initialState(for: mlCode)
                ofState = of.initialState(for: ofCode)
                llState = ll.initialState(for: llCode)
            } else {
                of.encode(ofCode, state: &ofState, into: &writer)
                ml.encode(mlCode, state: &mlState, into: &writer)
                ll.encode(llCode, state: &llState, into: &writer)
            }
            writer.write(
                sequence.literalLength - Int(ZstdSequences.literalLengthBase[llCode]),
                Int(ZstdSequences.literalLengthBits[llCode]))
            writer.write(
                sequence.matchLength - Int(ZstdSequences.matchLengthBase[mlCode]),
                Int(ZstdSequences.matchLengthBits[mlCode]))
            writer.write(sequence.offsetValue - 1 << ofCode, ofCode)
        }
        ml.flush(mlState, into: &writer)
        of.flush(ofState, into: &writer)
        ll.flush(llState, into: &writer)
        writer.write(1, 1)
        writer.alignToByte()
        out.append(contentsOf: writer.bytes)
    }

    /// The literal-length code of `length` (0...131071).
    @inline(__always)
    private static func literalLengthCode(_ length: Int) -> Int {
        if length < 16 { return length }
        if length >= 64 { return Int.bitWidth - 1 - length.leadingZeroBitCount + 19 }
        var code = 16
        while code < 24 && Int(ZstdSequences.literalLengthBase[code + 1]) <= length { code += 1 }
        return code
    }

    /// The match-length code of `base` = match length − 3.
    @inline(__always)
    private static func matchLengthCode(_ base: Int) -> Int {
        if base < 32 { return base }
        if base >= 128 { return Int.bitWidth - 1 - base.leadingZeroBitCount + 36 }
        var code = 32
        while code < 42 && Int(ZstdSequences.matchLengthBase[code + 1]) - 3 <= base { code += 1 }
        return code
    }
}
