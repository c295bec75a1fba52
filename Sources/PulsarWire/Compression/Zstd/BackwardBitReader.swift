/// Reads a Zstandard backward bitstream: bits are consumed from the end of the
/// buffer towards its start, most significant first, after the final byte's 1-bit marker.
///
/// Reading past the start yields zero bits and drives ``remaining`` negative; callers
/// check ``remaining`` (a fully consumed stream has exactly 0).
struct BackwardBitReader {
    private let base: UnsafePointer<UInt8>
    private let start: Int
    /// Bytes in `start..<position` are not loaded yet.
    private var position: Int
    /// Holds `count` unread bits in its low part; the next bit to read is bit `count − 1`.
    private var container: UInt64
    private var count: Int
    /// Unread bits of the stream; negative once bits past its start were consumed.
    private(set) var remaining: Int

    /// A reader of the stream in `base[start..<end]`.
    init(_ base: UnsafePointer<UInt8>, start: Int, end: Int) throws {
        guard end > start else { throw WireError.corruptCompressedData("empty zstd bitstream") }
        let last = base[end - 1]
        guard last != 0 else { throw WireError.corruptCompressedData("zstd bitstream without end marker") }
        let bitsBelowMarker = 7 - last.leadingZeroBitCount
        self.base = base
        self.start = start
        position = end - 1
        container = UInt64(last)
        count = bitsBelowMarker
        remaining = (end - 1 - start) * 8 + bitsBelowMarker
    }

    /// Loads bytes until more than 55 bits are held or the stream start is reached.
    @inline(__always)
    mutating func refill() {
        guard count < 56 else { return }
        if position - start >= 8 {
            let bytes = (63 - count) >> 3  // 1...7
            let word = load64(base + position - 8)
            container = container &<< UInt64(8 * bytes) | word &>> UInt64(64 - 8 * bytes)
            position -= bytes
            count += 8 * bytes
        } else {
            while count <= 56 && position > start {
                position -= 1
                container = container &<< 8 | UInt64(base[position])
                count += 8
            }
        }
    }

    /// Makes `n` ≤ 56 bits available, padding with zeros past the stream start.
    @inline(__always)
    mutating func ensure(_ n: Int) {
        if count < n {
            refill()
            if count < n {
                container = container &<< UInt64(n - count)
                count = n
            }
        }
    }

    /// The next `n` bits (after ``ensure(_:)``) without consuming them.
    @inline(__always)
    func peek(_ n: Int) -> Int {
        Int(truncatingIfNeeded: (container &>> UInt64(count - n)) & (UInt64(1) &<< UInt64(n) &- 1))
    }

    /// Consumes `n` bits (after ``ensure(_:)``).
    @inline(__always)
    mutating func consume(_ n: Int) {
        count -= n
        remaining -= n
    }

    /// Reads `n` ≤ 56 bits (0 allowed).
    @inline(__always)
    mutating func read(_ n: Int) -> Int {
        ensure(n)
        let value = peek(n)
        consume(n)
        return value
    }
}
