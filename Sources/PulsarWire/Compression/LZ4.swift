/// The raw LZ4 block format (no frame, no size prefix).
enum LZ4 {
    private static let minMatch = 4
    /// The last match must start at least this many bytes before the end of the block.
    private static let mfLimit = 12
    /// The last this-many bytes of a block are always literals.
    private static let lastLiterals = 5
    private static let hashLog = 14
    private static let maxOffset = 65535

    // MARK: Decompression

    /// Decodes a block into `dst`; returns the number of bytes written.
    static func decompress(_ src: UnsafeBufferPointer<UInt8>, into dst: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        guard let ip = src.baseAddress, let op = dst.baseAddress else {
            throw WireError.corruptCompressedData("empty LZ4 block")
        }
        let iend = src.count, oend = dst.count
        var i = 0, o = 0
        while true {
            guard i < iend else { throw WireError.corruptCompressedData("truncated LZ4 block") }
            let token = Int(ip[i])
            i += 1
            var literalLength = token >> 4
            if literalLength == 15 { literalLength += try readLength(ip, &i, iend) }
            guard literalLength <= iend - i else { throw WireError.corruptCompressedData("LZ4 literals past end of input") }
            guard literalLength <= oend - o else { throw outputOverflow(oend) }
            UnsafeMutableRawPointer(op + o).copyMemory(from: ip + i, byteCount: literalLength)
            i += literalLength
            o += literalLength
            if i == iend { return o }  // the last sequence has literals only

            guard iend - i >= 2 else { throw WireError.corruptCompressedData("truncated LZ4 match offset") }
            let offset = Int(ip[i]) | Int(ip[i + 1]) << 8
            i += 2
            guard offset != 0, offset <= o else { throw WireError.corruptCompressedData("invalid LZ4 match offset \(offset)") }
            var length = token & 15
            if length == 15 { length += try readLength(ip, &i, iend) }
            length += minMatch
            guard length <= oend - o else { throw outputOverflow(oend) }
            copyMatch(op + o, offset: offset, length: length)
            o += length
        }
    }

    /// Reads the 255-continued extension of a literal or match length.
    @inline(__always)
    private static func readLength(_ ip: UnsafePointer<UInt8>, _ i: inout Int, _ iend: Int) throws -> Int {
        var total = 0
        while true {
            guard i < iend else { throw WireError.corruptCompressedData("truncated LZ4 length") }
            let b = Int(ip[i])
            i += 1
            total += b
            if b != 255 { return total }
        }
    }

    // MARK: Compression

    /// Greedy hash-table compressor (one candidate per hash, backward match extension).
    static func compress(_ src: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let n = src.count
        let bound = n + n / 255 + 16
        return [UInt8](unsafeUninitializedCapacity: bound) { out, written in
            let op = out.baseAddress!
            guard let ip = src.baseAddress, n > 0 else {
                op[0] = 0  // a single empty-literals token
                written = 1
                return
            }
            var o = 0
            var anchor = 0
            if n >= mfLimit + 1 {
                let table = UnsafeMutablePointer<Int32>.allocate(capacity: 1 << hashLog)
                table.initialize(repeating: 0, count: 1 << hashLog)
                defer { table.deallocate() }
                let matchStartLimit = n - mfLimit  // last position where a match may start
                let matchEndLimit = n - lastLiterals
                var i = 1
                table[hash(load32(ip))] = 0
                var attempts = 1 << 6  // skip faster through incompressible data
                while i <= matchStartLimit {
                    let sequence = load32(ip + i)
                    let h = hash(sequence)
                    var candidate = Int(table[h])
                    table[h] = Int32(truncatingIfNeeded: i)
                    guard i - candidate <= maxOffset, load32(ip + candidate) == sequence else {
                        i += attempts >> 6
                        attempts += 1
                        continue
                    }
                    attempts = 1 << 6
                    while i > anchor, candidate > 0, ip[i - 1] == ip[candidate - 1] {
                        i -= 1
                        candidate -= 1
                    }
                    let length = minMatch
                        + matchLength(ip + i + minMatch, ip + candidate + minMatch, limit: matchEndLimit - i - minMatch)
                    o = emitSequence(op, o, ip + anchor, literals: i - anchor, offset: i - candidate, matchLength: length)
                    i += length
                    anchor = i
                    if i <= matchStartLimit { table[hash(load32(ip + i - 2))] = Int32(truncatingIfNeeded: i - 2) }
                }
            }
            // Last literals.
            let literals = n - anchor
            o = writeToken(op, o, literals: literals, match: 0)
            UnsafeMutableRawPointer(op + o).copyMemory(from: ip + anchor, byteCount: literals)
            written = o + literals
        }
    }

    @inline(__always)
    private static func hash(_ sequence: UInt32) -> Int {
        Int((sequence &* 2_654_435_761) >> UInt32(32 - hashLog))
    }

    /// Writes the token and the literal-length extension; returns the new output index.
    @inline(__always)
    private static func writeToken(_ op: UnsafeMutablePointer<UInt8>, _ o: Int, literals: Int, match: Int) -> Int {
        var o = o
        let tokenIndex = o
        o += 1
        var token = UInt8(min(match, 15))
        if literals >= 15 {
            token |= 0xF0
            o = writeExtension(op, o, literals - 15)
        } else {
            token |= UInt8(literals << 4)
        }
        op[tokenIndex] = token
        return o
    }

    @inline(__always)
    private static func writeExtension(_ op: UnsafeMutablePointer<UInt8>, _ o: Int, _ value: Int) -> Int {
        var o = o, rest = value
        while rest >= 255 {
            op[o] = 255
            o += 1
            rest -= 255
        }
        op[o] = UInt8(rest)
        return o + 1
    }

    @inline(__always)
    private static func emitSequence(
        _ op: UnsafeMutablePointer<UInt8>, _ o: Int, _ literalStart: UnsafePointer<UInt8>,
        literals: Int, offset: Int, matchLength: Int
    ) -> Int {
        let code = matchLength - minMatch
        var o = writeToken(op, o, literals: literals, match: code)
        UnsafeMutableRawPointer(op + o).copyMemory(from: literalStart, byteCount: literals)
        o += literals
        op[o] = UInt8(truncatingIfNeeded: offset)
        op[o + 1] = UInt8(truncatingIfNeeded: offset >> 8)
        o += 2
        if code >= 15 { o = writeExtension(op, o, code - 15) }
        return o
    }
}
