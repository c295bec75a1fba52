/// MurmurHash3 x86 32-bit, as Pulsar uses it for Key_Shared sticky keys and Murmur3 partition routing.
public enum Murmur3 {
    /// The 32-bit hash of `bytes` with `seed`.
    public static func hash32(_ bytes: some Collection<UInt8>, seed: UInt32 = 0) -> UInt32 {
        let data = Array(bytes)
        let c1: UInt32 = 0xcc9e_2d51, c2: UInt32 = 0x1b87_3593
        var h = seed
        let blocks = data.count / 4
        for block in 0..<blocks {
            let i = block * 4
            var k = UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24
            k = (k &* c1).rotatedLeft(15) &* c2
            h ^= k
            h = h.rotatedLeft(13) &* 5 &+ 0xe654_6b64
        }
        var k: UInt32 = 0
        let tail = blocks * 4
        switch data.count & 3 {
        case 3:
            k ^= UInt32(data[tail + 2]) << 16
            fallthrough
        case 2:
            k ^= UInt32(data[tail + 1]) << 8
            fallthrough
        case 1:
            k ^= UInt32(data[tail])
            k = (k &* c1).rotatedLeft(15) &* c2
            h ^= k
        default:
            break
        }
        h ^= UInt32(truncatingIfNeeded: data.count)
        h ^= h >> 16
        h = h &* 0x85eb_ca6b
        h ^= h >> 13
        h = h &* 0xc2b2_ae35
        h ^= h >> 16
        return h
    }

    /// Pulsar's `Murmur3_32Hash.makeHash`: the hash with the sign bit cleared (a non-negative Java int).
    public static func pulsarHash(_ bytes: some Collection<UInt8>) -> Int32 {
        Int32(bitPattern: hash32(bytes) & 0x7fff_ffff)
    }
}

/// Java's `String.hashCode()`, the Java and Go clients' default partition-routing hash.
public enum JavaStringHash {
    /// `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code units, as a Java int.
    public static func hash(_ string: String) -> Int32 {
        var hash: Int32 = 0
        for unit in string.utf16 { hash = hash &* 31 &+ Int32(unit) }
        return hash
    }
}

extension UInt32 {
    @inline(__always) fileprivate func rotatedLeft(_ count: UInt32) -> UInt32 { (self << count) | (self >> (32 - count)) }
}
