/// The raw Snappy block format: a varint uncompressed length followed by
/// literal and copy elements (not the Snappy framing format).
enum Snappy {
    private static let blockSize = 1 << 16
    private static let hashLog = 14

    // MARK: Decompression

    /// Decodes a block into `dst`; returns the number of bytes written.
    static func decompress(_ src: UnsafeBufferPointer<UInt8>, into dst: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        guard let ip = src.baseAddress, let op = dst.baseAddress else {
            throw WireError.corruptCompressedData("empty Snappy block")
        }
        let iend = src.count, oend = dst.count
        var i = 0
        // Uncompressed length: a varint of at most 5 bytes that fits in 32 bits.
        var declared = 0
        var shift = 0
        while true {
            guard i < iend, shift <= 28 else { throw WireError.corruptCompressedData("bad Snappy length varint") }
            let b = Int(ip[i])
            i += 1
            declared |= (b & 0x7F) << shift
            if b < 0x80 { break }
            shift += 7
        }
        guard declared <= UInt32.max else { throw WireError.corruptCompressedData("Snappy length overflows 32 bits") }
        guard declared == oend else { throw WireError.uncompressedSizeMismatch(expected: oend, actual: declared) }

        var o = 0
        while i < iend {
            let tag = Int(ip[i])
            i += 1
            switch tag & 3 {
            case 0:  // literal
                var length = tag >> 2
                if length >= 60 {
                    let extra = length - 59
                    guard iend - i >= extra else { throw WireError.corruptCompressedData("truncated Snappy literal length") }
                    length = 0
                    for k in 0..<extra { length |= Int(ip[i + k]) << (8 * k) }
                    i += extra
                }
                length += 1
                guard length <= iend - i else { throw WireError.corruptCompressedData("Snappy literal past end of input") }
                guard length <= oend - o else { throw outputOverflow(oend) }
                UnsafeMutableRawPointer(op + o).copyMemory(from: ip + i, byteCount: length)
                i += length
                o += length
                continue
            case 1:
                guard i < iend else { throw WireError.corruptCompressedData("truncated Snappy copy") }
                let length = 4 + (tag >> 2) & 7
                let offset = (tag >> 5) << 8 | Int(ip[i])
                i += 1
                o = try copy(op, o, oend, offset: offset, length: length)
            case 2:
                guard iend - i >= 2 else { throw WireError.corruptCompressedData("truncated Snappy copy") }
                let offset = Int(ip[i]) | Int(ip[i + 1]) << 8
                i += 2
                o = try copy(op, o, oend, offset: offset, length: (tag >> 2) + 1)
            default:
                guard iend - i >= 4 else { throw WireError.corruptCompressedData("truncated Snappy copy") }
                let offset = Int(load32(ip + i))
                i += 4
                o = try copy(op, o, oend, offset: offset, length: (tag >> 2) + 1)
            }
        }
        return o
    }

    @inline(__always)
    private static func copy(_ op: UnsafeMutablePointer<UInt8>, _ o: Int, _ oend: Int, offset: Int, length: Int) throws -> Int {
        guard offset != 0, offset <= o else { throw WireError.corruptCompressedData("invalid Snappy copy offset \(offset)") }
        guard length <= oend - o else { throw outputOverflow(oend) }
        copyMatch(op + o, offset: offset, length: length)
        return o + length
    }

    // MARK: Compression

    /// Greedy hash-table compressor over independent 64 KiB blocks (as the reference does).
    static func compress(_ src: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let n = src.count
        let bound = 32 + n + n / 6
        return [UInt8](unsafeUninitializedCapacity: bound) { out, written in
            let op = out.baseAddress!
            var o = 0
            var length = n
            while length >= 0x80 {
                op[o] = UInt8(truncatingIfNeeded: length) | 0x80
                o += 1
                length >>= 7
            }
            op[o] = UInt8(length)
            o += 1
            guard let ip = src.baseAddress, n > 0 else {
                written = o
                return
            }
            let table = UnsafeMutablePointer<UInt16>.allocate(capacity: 1 << hashLog)
            defer { table.deallocate() }
            var start = 0
            while start < n {
                let size = min(blockSize, n - start)
                table.initialize(repeating: 0, count: 1 << hashLog)
                o = compressBlock(ip + start, size, op, o, table)
                start += size
            }
            written = o
        }
    }

    private static func compressBlock(
        _ ip: UnsafePointer<UInt8>, _ n: Int, _ op: UnsafeMutablePointer<UInt8>, _ o: Int,
        _ table: UnsafeMutablePointer<UInt16>
    ) -> Int {
        var o = o
        var anchor = 0
        if n >= 16 {
            let limit = n - 4  // last position whose 4 bytes can be hashed
            var i = 1
            var attempts = 32
            while i <= limit {
                let sequence = load32(ip + i)
                let h = hash(sequence)
                let candidate = Int(table[h])
                table[h] = UInt16(truncatingIfNeeded: i)
                guard candidate < i, load32(ip + candidate) == sequence else {
                    i += attempts >> 5
                    attempts += 1
                    continue
                }
                attempts = 32
                let length = 4 + matchLength(ip + i + 4, ip + candidate + 4, limit: n - i - 4)
                if i > anchor { o = emitLiteral(op, o, ip + anchor, i - anchor) }
                o = emitCopy(op, o, offset: i - candidate, length: length)
                i += length
                anchor = i
                if i <= limit { table[hash(load32(ip + i - 1))] = UInt16(truncatingIfNeeded: i - 1) }
            }
        }
        if anchor < n { o = emitLiteral(op, o, ip + anchor, n - anchor) }
        return o
    }

    @inline(__always)
    private static func hash(_ sequence: UInt32) -> Int {
        Int((sequence &* 0x1E35_A7BD) >> UInt32(32 - hashLog))
    }

    private static func emitLiteral(_ op: UnsafeMutablePointer<UInt8>, _ o: Int, _ p: UnsafePointer<UInt8>, _ length: Int) -> Int {
        var o = o
        let n = length - 1
        if n < 60 {
            op[o] = UInt8(n << 2)
            o += 1
        } else {
            var bytes = 1
            while n >> (8 * bytes) != 0 { bytes += 1 }
            op[o] = UInt8((59 + bytes) << 2)
            o += 1
            for k in 0..<bytes { op[o + k] = UInt8(truncatingIfNeeded: n >> (8 * k)) }
            o += bytes
        }
        UnsafeMutableRawPointer(op + o).copyMemory(from: p, byteCount: length)
        return o + length
    }

    private static func emitCopy(_ op: UnsafeMutablePointer<UInt8>, _ o: Int, offset: Int, length: Int) -> Int {
        var o = o, length = length
        // Chunks of 64; keep the remainder at least 4 long.
        while length >= 68 {
            o = emitCopy2(op, o, offset: offset, length: 64)
            length -= 64
        }
        if length > 64 {
            o = emitCopy2(op, o, offset: offset, length: 60)
            length -= 60
        }
        if length < 12, offset < 2048 {
            op[o] = UInt8(1 | (length - 4) << 2 | (offset >> 8) << 5)
            op[o + 1] = UInt8(truncatingIfNeeded: offset)
            return o + 2
        }
        return emitCopy2(op, o, offset: offset, length: length)
    }

    @inline(__always)
    private static func emitCopy2(_ op: UnsafeMutablePointer<UInt8>, _ o: Int, offset: Int, length: Int) -> Int {
        op[o] = UInt8(2 | (length - 1) << 2)
        op[o + 1] = UInt8(truncatingIfNeeded: offset)
        op[o + 2] = UInt8(truncatingIfNeeded: offset >> 8)
        return o + 3
    }
}
