/// Decoding and executing the sequences section of a compressed block (RFC 8878 §3.1.1.3.2).
enum ZstdSequences {
    static let literalLengthBase: [UInt32] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096,
        8192, 16384, 32768, 65536,
    ]
    static let literalLengthBits: [UInt8] = [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12,
        13, 14, 15, 16,
    ]
    static let matchLengthBase: [UInt32] = Array(3...34) + [
        35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051,
        4099, 8195, 16387, 32771, 65539,
    ]
    static let matchLengthBits: [UInt8] = Array(repeating: 0, count: 32) + [
        1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11,
        12, 13, 14, 15, 16,
    ]

    /// Sequence decoding state that persists across the blocks of a frame.
    struct State {
        var repeatOffsets = (1, 4, 8)
        var literalLengths: FSETable?
        var offsets: FSETable?
        var matchLengths: FSETable?
    }

    /// Decodes the sequences at `p[start..<end]` and writes the block's output (literals
    /// interleaved with matches) at `op[o...]`; returns the new output index.
    static func execute(
        _ p: UnsafePointer<UInt8>, start: Int, end: Int, state: inout State,
        literals: UnsafePointer<UInt8>, literalCount: Int,
        op: UnsafeMutablePointer<UInt8>, o start0: Int, oend: Int, frameStart: Int
    ) throws -> Int {
        guard start < end else { throw WireError.corruptCompressedData("missing sequences section") }
        var i = start
        let b0 = Int(p[i])
        var sequenceCount: Int
        if b0 < 128 {
            sequenceCount = b0
            i += 1
        } else if b0 < 255 {
            guard end - i >= 2 else { throw WireError.corruptCompressedData("truncated sequences header") }
            sequenceCount = (b0 - 128) << 8 | Int(p[i + 1])
            i += 2
        } else {
            guard end - i >= 3 else { throw WireError.corruptCompressedData("truncated sequences header") }
            sequenceCount = (Int(p[i + 1]) | Int(p[i + 2]) << 8) + 0x7F00
            i += 3
        }
        var o = start0
        var literalPosition = 0
        if sequenceCount > 0 {
            guard i < end else { throw WireError.corruptCompressedData("truncated sequences header") }
            let modes = Int(p[i])
            i += 1
            guard modes & 3 == 0 else { throw WireError.corruptCompressedData("reserved sequence mode bits set") }
            state.literalLengths = try table(
                mode: modes >> 6, p, &i, end, previous: state.literalLengths,
                predefined: ZstdPredefined.literalLengths, maxSymbol: 35, maxLog: 9)
            state.offsets = try table(
                mode: modes >> 4 & 3, p, &i, end, previous: state.offsets,
                predefined: ZstdPredefined.offsets, maxSymbol: 31, maxLog: 8)
            state.matchLengths = try table(
                mode: modes >> 2 & 3, p, &i, end, previous: state.matchLengths,
                predefined: ZstdPredefined.matchLengths, maxSymbol: 52, maxLog: 9)
            var reader = try BackwardBitReader(p, start: i, end: end)
            let ll = state.literalLengths!, of = state.offsets!, ml = state.matchLengths!
            var repeats = state.repeatOffsets
            try ll.entries.withUnsafeBufferPointer { llTable in
                try of.entries.withUnsafeBufferPointer { ofTable in
                    try ml.entries.withUnsafeBufferPointer { mlTable in
                        var llState = reader.read(ll.accuracyLog)
                        var ofState = reader.read(of.accuracyLog)
                        var mlState = reader.read(ml.accuracyLog)
                        for index in 0..<sequenceCount {
                            let llEntry = llTable[llState], ofEntry = ofTable[ofState], mlEntry = mlTable[mlState]
                            let ofCode = Int(ofEntry & 0xFF)
                            let mlCode = Int(mlEntry & 0xFF), llCode = Int(llEntry & 0xFF)
                            let offsetValue = 1 << ofCode + reader.read(ofCode)
                            let matchLength = Int(matchLengthBase[mlCode]) + reader.read(Int(matchLengthBits[mlCode]))
                            let literalLength = Int(literalLengthBase[llCode]) + reader.read(Int(literalLengthBits[llCode]))
                            let offset: Int
                            if offsetValue > 3 {
                                offset = offsetValue - 3
                                repeats = (offset, repeats.0, repeats.1)
                            } else {
                                switch offsetValue - 1 + (literalLength == 0 ? 1 : 0) {
                                case 0:
                                    offset = repeats.0
                                case 1:
                                    offset = repeats.1
                                    repeats = (repeats.1, repeats.0, repeats.2)
                                case 2:
                                    offset = repeats.2
                                    repeats = (repeats.2, repeats.0, repeats.1)
                                default:
                                    offset = repeats.0 - 1
                                    repeats = (offset, repeats.0, repeats.1)
                                }
                            }
                            if index < sequenceCount - 1 {
                                llState = Int(llEntry >> 16) + reader.read(Int(llEntry >> 8 & 0xFF))
                                mlState = Int(mlEntry >> 16) + reader.read(Int(mlEntry >> 8 & 0xFF))
                                ofState = Int(ofEntry >> 16) + reader.read(Int(ofEntry >> 8 & 0xFF))
                            }
                            // Execute: literals, then the match.
                            guard literalLength <= literalCount - literalPosition else {
                                throw WireError.corruptCompressedData("sequence literals exceed the literals section")
                            }
                            guard literalLength + matchLength <= oend - o else { throw outputOverflow(oend) }
                            UnsafeMutableRawPointer(op + o).copyMemory(from: literals + literalPosition, byteCount: literalLength)
                            o += literalLength
                            literalPosition += literalLength
                            guard offset > 0, offset <= o - frameStart else {
                                throw WireError.corruptCompressedData("zstd match offset \(offset) out of range")
                            }
                            copyMatch(op + o, offset: offset, length: matchLength)
                            o += matchLength
                        }
                    }
                }
            }
            guard reader.remaining == 0 else { throw WireError.corruptCompressedData("sequences bitstream size mismatch") }
            state.repeatOffsets = repeats
        } else {
            guard i == end else { throw WireError.corruptCompressedData("data after an empty sequences section") }
        }
        // The remaining literals.
        let rest = literalCount - literalPosition
        guard rest <= oend - o else { throw outputOverflow(oend) }
        UnsafeMutableRawPointer(op + o).copyMemory(from: literals + literalPosition, byteCount: rest)
        return o + rest
    }

    private static func table(
        mode: Int, _ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, previous: FSETable?,
        predefined: FSETable, maxSymbol: Int, maxLog: Int
    ) throws -> FSETable {
        switch mode {
        case 0:
            return predefined
        case 1:
            guard i < end else { throw WireError.corruptCompressedData("truncated RLE sequence table") }
            let symbol = p[i]
            guard symbol <= maxSymbol else { throw WireError.corruptCompressedData("RLE sequence symbol out of range") }
            i += 1
            return .rle(symbol)
        case 2:
            let (table, used) = try FSETable.read(p, start: i, end: end, maxSymbol: maxSymbol, maxAccuracyLog: maxLog)
            i += used
            return table
        default:
            guard let previous else { throw WireError.corruptCompressedData("repeat sequence table without a previous one") }
            return previous
        }
    }
}
