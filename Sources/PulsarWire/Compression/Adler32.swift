/// Adler-32 checksum (RFC 1950), as used by the zlib trailer.
enum Adler32 {
    /// The checksum of `count` bytes at `p`.
    static func checksum(_ p: UnsafePointer<UInt8>?, count: Int) -> UInt32 {
        let mod: UInt32 = 65521
        let nmax = 5552  // largest n with 255·n·(n+1)/2 + (n+1)·(mod−1) < 2^32
        var a: UInt32 = 1, b: UInt32 = 0
        guard let p, count > 0 else { return 1 }
        var i = 0
        while i < count {
            let end = min(i + nmax, count)
            while i + 4 <= end {
                a &+= UInt32(p[i]); b &+= a
                a &+= UInt32(p[i + 1]); b &+= a
                a &+= UInt32(p[i + 2]); b &+= a
                a &+= UInt32(p[i + 3]); b &+= a
                i += 4
            }
            while i < end {
                a &+= UInt32(p[i]); b &+= a
                i += 1
            }
            a %= mod
            b %= mod
        }
        return b << 16 | a
    }
}
