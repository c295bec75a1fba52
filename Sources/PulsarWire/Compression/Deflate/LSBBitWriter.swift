/// An LSB-first bit writer (the DEFLATE bit order) appending to a byte array.
struct LSBBitWriter {
    private(set) var bytes: [UInt8]
    private var buffer: UInt64 = 0
    private var bitCount = 0

    init(reservingCapacity capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends the low `count` (≤ 32) bits of `value`.
    @inline(__always)
    mutating func write(_ value: Int, _ count: Int) {
        buffer |= UInt64(truncatingIfNeeded: value) << UInt64(bitCount)
        bitCount += count
        if bitCount >= 32 {
            let word = UInt32(truncatingIfNeeded: buffer)
            bytes.append(UInt8(truncatingIfNeeded: word))
            bytes.append(UInt8(truncatingIfNeeded: word >> 8))
            bytes.append(UInt8(truncatingIfNeeded: word >> 16))
            bytes.append(UInt8(truncatingIfNeeded: word >> 24))
            buffer >>= 32
            bitCount -= 32
        }
    }

    /// Pads with zero bits to a byte boundary and flushes all pending bits.
    mutating func alignToByte() {
        while bitCount > 0 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            bitCount = max(0, bitCount - 8)
        }
        buffer = 0
    }

    /// Appends whole bytes; the writer must be byte-aligned.
    mutating func append(contentsOf raw: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    /// Appends one byte; the writer must be byte-aligned.
    mutating func appendByte(_ byte: UInt8) {
        bytes.append(byte)
    }
}
