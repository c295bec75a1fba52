/// XXH64 (seed 0 by default), used for the Zstandard content checksum.
enum XXHash64 {
    private static let p1: UInt64 = 11_400_714_785_074_694_791
    private static let p2: UInt64 = 14_029_467_366_897_019_727
    private static let p3: UInt64 = 1_609_587_929_392_839_161
    private static let p4: UInt64 = 9_650_029_242_287_828_579
    private static let p5: UInt64 = 2_870_177_450_012_600_261

    @inline(__always)
    private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { x << r | x >> (64 - r) }

    @inline(__always)
    private static func round(_ acc: UInt64, _ lane: UInt64) -> UInt64 {
        rotl(acc &+ lane &* p2, 31) &* p1
    }

    @inline(__always)
    private static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round(0, value)) &* p1 &+ p4
    }

    /// The hash of `count` bytes at `p`.
    static func hash(_ p: UnsafePointer<UInt8>?, count: Int, seed: UInt64 = 0) -> UInt64 {
        var h: UInt64
        var i = 0
        if let p, count >= 32 {
            var v1 = seed &+ p1 &+ p2, v2 = seed &+ p2, v3 = seed, v4 = seed &- p1
            while i + 32 <= count {
                v1 = round(v1, load64(p + i))
                v2 = round(v2, load64(p + i + 8))
                v3 = round(v3, load64(p + i + 16))
                v4 = round(v4, load64(p + i + 24))
                i += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = merge(h, v1)
            h = merge(h, v2)
            h = merge(h, v3)
            h = merge(h, v4)
        } else {
            h = seed &+ p5
        }
        h &+= UInt64(count)
        if let p {
            while i + 8 <= count {
                h ^= round(0, load64(p + i))
                h = rotl(h, 27) &* p1 &+ p4
                i += 8
            }
            if i + 4 <= count {
                h ^= UInt64(load32(p + i)) &* p1
                h = rotl(h, 23) &* p2 &+ p3
                i += 4
            }
            while i < count {
                h ^= UInt64(p[i]) &* p5
                h = rotl(h, 11) &* p1
                i += 1
            }
        }
        h ^= h >> 33
        h &*= p2
        h ^= h >> 29
        h &*= p3
        h ^= h >> 32
        return h
    }
}
