/// DEFLATE compression (LZ77 with hash chains and one-step lazy matching, then
/// per-block choice of dynamic Huffman, fixed Huffman or stored), in the zlib format.
enum DeflateEncoder {
    private static let windowSize = 1 << 15
    private static let hashLog = 15
    private static let minMatch = 4  // hashing 4 bytes; 3-byte matches are not searched
    private static let maxMatch = 258
    private static let maxChain = 32
    private static let niceLength = 128
    private static let lazyLimit = 32
    private static let tokensPerBlock = 1 << 15

    /// Compresses into a zlib stream (header 0x78 0x9C, DEFLATE data, big-endian Adler-32).
    static func zlibCompress(_ src: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var writer = LSBBitWriter(reservingCapacity: src.count + src.count / 8 + 64)
        writer.appendByte(0x78)
        writer.appendByte(0x9C)
        deflate(src, into: &writer)
        writer.alignToByte()
        let adler = Adler32.checksum(src.baseAddress, count: src.count)
        for shift in stride(from: 24, through: 0, by: -8) { writer.appendByte(UInt8(truncatingIfNeeded: adler >> UInt32(shift))) }
        return writer.bytes
    }

    /// Writes raw DEFLATE blocks for `src`, the last one marked final.
    static func deflate(_ src: UnsafeBufferPointer<UInt8>, into writer: inout LSBBitWriter) {
        var block = DeflateBlockWriter(tokenCapacity: tokensPerBlock)
        guard let ip = src.baseAddress, src.count > 0 else {
            block.flush(src, rawStart: 0, rawEnd: 0, isFinal: true, into: &writer)
            return
        }
        let n = src.count
        let head = UnsafeMutablePointer<Int32>.allocate(capacity: 1 << hashLog)
        head.initialize(repeating: -1, count: 1 << hashLog)
        let previous = UnsafeMutablePointer<Int32>.allocate(capacity: windowSize)
        previous.initialize(repeating: -1, count: windowSize)
        defer {
            head.deallocate()
            previous.deallocate()
        }
        var nextInsert = 0
        let lastHashable = n - minMatch  // last position whose 4 bytes can be hashed

        /// Inserts positions up to `position` (exclusive) into the hash chains.
        func insert(upTo position: Int) {
            let end = min(position, lastHashable + 1)
            while nextInsert < end {
                let h = hash(load32(ip + nextInsert))
                previous[nextInsert & (windowSize - 1)] = head[h]
                head[h] = Int32(truncatingIfNeeded: nextInsert)
                nextInsert += 1
            }
            nextInsert = max(nextInsert, position)
        }

        /// The longest earlier match at `position` (length 0 if shorter than `minMatch`).
        func longestMatch(at position: Int) -> (length: Int, distance: Int) {
            guard position <= lastHashable else { return (0, 0) }
            insert(upTo: position)
            let h = hash(load32(ip + position))
            var candidate = Int(head[h])
            let limit = min(maxMatch, n - position)
            var bestLength = minMatch - 1, bestDistance = 0
            var chain = maxChain
            while candidate >= 0, position - candidate <= windowSize, chain > 0 {
                if ip[candidate + bestLength] == ip[position + bestLength] {
                    let length = matchLength(ip + candidate, ip + position, limit: limit)
                    if length > bestLength {
                        bestLength = length
                        bestDistance = position - candidate
                        if length >= min(niceLength, limit) { break }
                    }
                }
                candidate = Int(previous[candidate & (windowSize - 1)])
                chain -= 1
            }
            previous[position & (windowSize - 1)] = head[h]
            head[h] = Int32(truncatingIfNeeded: position)
            nextInsert = position + 1
            return bestLength >= minMatch ? (bestLength, bestDistance) : (0, 0)
        }

        var i = 0
        var blockStart = 0
        while i < n {
            var (length, distance) = longestMatch(at: i)
            if length > 0 {
                while length < lazyLimit && i + 1 < n {
                    let next = longestMatch(at: i + 1)
                    guard next.length > length else { break }
                    block.addLiteral(ip[i])
                    i += 1
                    (length, distance) = next
                }
                block.addMatch(length: length, distance: distance)
                i += length
            } else {
                block.addLiteral(ip[i])
                i += 1
            }
            if block.isFull {
                block.flush(src, rawStart: blockStart, rawEnd: i, isFinal: i == n, into: &writer)
                blockStart = i
            }
        }
        if blockStart < n {
            block.flush(src, rawStart: blockStart, rawEnd: n, isFinal: true, into: &writer)
        }
    }

    @inline(__always)
    private static func hash(_ sequence: UInt32) -> Int {
        Int((sequence &* 2_654_435_761) >> UInt32(32 - hashLog))
    }
}
