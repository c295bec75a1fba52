/// A little-endian, LSB-first bit reader over a byte buffer (the DEFLATE bit order).
///
/// Reading past the end supplies zero bits; ``overrun`` tells whether any of them were
/// consumed, which callers check at block boundaries (the output cap bounds the work).
struct LSBBitReader {
    let base: UnsafePointer<UInt8>
    let count: Int
    /// Index of the next byte to load; may exceed `count` by the padding bytes loaded.
    private(set) var position: Int
    private(set) var buffer: UInt64 = 0
    private(set) var bitCount = 0

    init(_ base: UnsafePointer<UInt8>, count: Int, position: Int) {
        self.base = base
        self.count = count
        self.position = position
    }

    /// Makes at least 56 bits available.
    @inline(__always)
    mutating func refill() {
        guard bitCount < 56 else { return }
        if position + 8 <= count {
            buffer |= load64(base + position) << UInt64(bitCount)
            position += (63 - bitCount) >> 3
            bitCount |= 56
        } else {
            slowRefill()
        }
    }

    @inline(never)
    private mutating func slowRefill() {
        while bitCount <= 56 {
            let byte: UInt64 = position < count ? UInt64(base[position]) : 0
            buffer |= byte << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    /// The next `n` bits (n ≤ bits available), without consuming them.
    @inline(__always)
    func peek(_ n: Int) -> Int { Int(truncatingIfNeeded: buffer & (1 << UInt64(n) &- 1)) }

    /// Discards `n` bits (n ≤ bits available).
    @inline(__always)
    mutating func consume(_ n: Int) {
        buffer >>= UInt64(n)
        bitCount -= n
    }

    /// Reads `n` bits (n ≤ bits available).
    @inline(__always)
    mutating func read(_ n: Int) -> Int {
        let value = peek(n)
        consume(n)
        return value
    }

    /// Reads `n` ≤ 32 bits, refilling first.
    @inline(__always)
    mutating func readBits(_ n: Int) -> Int {
        refill()
        return read(n)
    }

    /// Whether bits beyond the end of the input were consumed.
    var overrun: Bool { position * 8 - bitCount > count * 8 }

    /// Skips to the next byte boundary and returns the byte index there; the reader
    /// is then empty and restarts at that index on the next refill.
    mutating func alignToByte() -> Int {
        consume(bitCount & 7)
        let index = position - bitCount >> 3
        position = index
        buffer = 0
        bitCount = 0
        return index
    }

    /// Continues reading at byte `index` (after bytes were consumed directly).
    mutating func seek(to index: Int) {
        position = index
        buffer = 0
        bitCount = 0
    }
}
