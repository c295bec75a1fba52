/// Zstandard frame decoding (RFC 8878 §3.1): one or more frames (skippable frames are
/// skipped), raw/RLE/compressed blocks, and optional content checksum verification.
/// Dictionaries are not supported.
enum ZstdDecoder {
    static let magic: UInt32 = 0xFD2F_B528
    static let maxBlockSize = 1 << 17

    /// Decodes all frames in `src` into `dst`; returns the number of bytes written.
    static func decompress(_ src: UnsafeBufferPointer<UInt8>, into dst: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        guard let ip = src.baseAddress, let op = dst.baseAddress else { throw WireError.corruptCompressedData("empty zstd input") }
        var literals: UnsafeMutablePointer<UInt8>? = nil
        defer { literals?.deallocate() }
        var i = 0, o = 0
        repeat {
            guard src.count - i >= 4 else { throw WireError.corruptCompressedData("truncated zstd frame") }
            let frameMagic = load32(ip + i)
            if frameMagic & 0xFFFF_FFF0 == 0x184D_2A50 {
                guard src.count - i >= 8 else { throw WireError.corruptCompressedData("truncated skippable frame") }
                let size = Int(load32(ip + i + 4))
                guard size <= src.count - i - 8 else { throw WireError.corruptCompressedData("truncated skippable frame") }
                i += 8 + size
                continue
            }
            guard frameMagic == magic else { throw WireError.corruptCompressedData("bad zstd magic number") }
            i = try decodeFrame(ip, i + 4, src.count, op, &o, dst.count, &literals)
        } while i < src.count
        return o
    }

    private static func decodeFrame(
        _ ip: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ op: UnsafeMutablePointer<UInt8>, _ o: inout Int, _ oend: Int,
        _ literalBuffer: inout UnsafeMutablePointer<UInt8>?
    ) throws -> Int {
        var i = start
        guard i < end else { throw WireError.corruptCompressedData("truncated zstd frame header") }
        let descriptor = Int(ip[i])
        i += 1
        let contentSizeFlag = descriptor >> 6
        let singleSegment = descriptor & 0x20 != 0
        let hasChecksum = descriptor & 0x04 != 0
        guard descriptor & 0x08 == 0 else { throw WireError.corruptCompressedData("reserved zstd frame header bit set") }
        let dictionaryIDSize = [0, 1, 2, 4][descriptor & 3]
        let contentSizeSize = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag]
        let headerRest = (singleSegment ? 0 : 1) + dictionaryIDSize + contentSizeSize
        guard end - i >= headerRest else { throw WireError.corruptCompressedData("truncated zstd frame header") }
        if !singleSegment {
            i += 1  // window descriptor: the whole output is kept, so the window size is not needed
        }
        var dictionaryID = 0
        for k in 0..<dictionaryIDSize { dictionaryID |= Int(ip[i + k]) << (8 * k) }
        i += dictionaryIDSize
        guard dictionaryID == 0 else {
            throw WireError(.unsupportedCompression, "zstd dictionaries are not supported (dictionary \(dictionaryID))")
        }
        var contentSize: UInt64? = nil
        if contentSizeSize > 0 {
            var value: UInt64 = 0
            for k in 0..<contentSizeSize { value |= UInt64(ip[i + k]) << UInt64(8 * k) }
            if contentSizeSize == 2 { value += 256 }
            i += contentSizeSize
            guard value <= UInt64(oend - o) else {
                throw WireError(.uncompressedSizeMismatch, "zstd frame content size \(value) exceeds the expected \(oend) bytes")
            }
            contentSize = value
        }

        let frameStart = o
        var sequences = ZstdSequences.State()
        var huffman: ZstdHuffmanTable? = nil
        while true {
            guard end - i >= 3 else { throw WireError.corruptCompressedData("truncated zstd block header") }
            let header = Int(ip[i]) | Int(ip[i + 1]) << 8 | Int(ip[i + 2]) << 16
            i += 3
            let size = header >> 3
            guard size <= maxBlockSize else { throw WireError.corruptCompressedData("zstd block too large") }
            switch header >> 1 & 3 {
            case 0:
                guard size <= end - i else { throw WireError.corruptCompressedData("truncated raw block") }
                guard size <= oend - o else { throw outputOverflow(oend) }
                UnsafeMutableRawPointer(op + o).copyMemory(from: ip + i, byteCount: size)
                i += size
                o += size
            case 1:
                guard i < end else { throw WireError.corruptCompressedData("truncated RLE block") }
                guard size <= oend - o else { throw outputOverflow(oend) }
                (op + o).update(repeating: ip[i], count: size)
                i += 1
                o += size
            case 2:
                guard size <= end - i else { throw WireError.corruptCompressedData("truncated compressed block") }
                let literals: UnsafeMutablePointer<UInt8>
                if let buffer = literalBuffer {
                    literals = buffer
                } else {
                    literals = .allocate(capacity: ZstdLiterals.maxSize)
                    literalBuffer = literals
                }
                let (count, used) = try ZstdLiterals.decode(ip, start: i, end: i + size, huffman: &huffman, into: literals)
                o = try ZstdSequences.execute(
                    ip, start: i + used, end: i + size, state: &sequences, literals: literals, literalCount: count,
                    op: op, o: o, oend: oend, frameStart: frameStart)
                i += size
            default:
                throw WireError.corruptCompressedData("reserved zstd block type")
            }
            if header & 1 == 1 { break }
        }
        if let contentSize, UInt64(o - frameStart) != contentSize {
            throw WireError.corruptCompressedData("zstd frame content size \(contentSize) but \(o - frameStart) bytes decoded")
        }
        if hasChecksum {
            guard end - i >= 4 else { throw WireError.corruptCompressedData("truncated zstd content checksum") }
            let expected = load32(ip + i)
            let actual = UInt32(truncatingIfNeeded: XXHash64.hash(op + frameStart, count: o - frameStart))
            guard expected == actual else { throw WireError.corruptCompressedData("zstd content checksum mismatch") }
            i += 4
        }
        return i
    }
}
