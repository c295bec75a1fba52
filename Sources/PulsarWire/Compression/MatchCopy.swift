/// Copies a back-reference of `length` bytes starting `offset` bytes before `dst`,
/// forwards, so that overlapping references (offset < length) replicate the pattern.
/// The caller guarantees `1 <= offset` and that both ranges lie inside the output buffer.
@inline(__always)
func copyMatch(_ dst: UnsafeMutablePointer<UInt8>, offset: Int, length: Int) {
    let src = dst - offset
    if offset >= length {
        UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: length)
    } else if offset == 1 {
        dst.update(repeating: src.pointee, count: length)
    } else {
        // The first `offset + copied` bytes from `src` are final, so each step can copy
        // that many bytes without overlap; `copied` stays a multiple of `offset`.
        var copied = 0
        while copied < length {
            let chunk = min(offset + copied, length - copied)
            UnsafeMutableRawPointer(dst + copied).copyMemory(from: src, byteCount: chunk)
            copied += chunk
        }
    }
}

/// Loads a little-endian `UInt32` from `p` (unaligned).
@inline(__always)
func load32(_ p: UnsafePointer<UInt8>) -> UInt32 {
    UInt32(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt32.self))
}

/// Loads a little-endian `UInt64` from `p` (unaligned).
@inline(__always)
func load64(_ p: UnsafePointer<UInt8>) -> UInt64 {
    UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
}

/// The number of equal leading bytes of `a` and `b`, comparing at most `limit` bytes.
@inline(__always)
func matchLength(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, limit: Int) -> Int {
    var n = 0
    while n + 8 <= limit {
        let diff = load64(a + n) ^ load64(b + n)
        if diff != 0 { return n + diff.trailingZeroBitCount >> 3 }
        n += 8
    }
    while n < limit && a[n] == b[n] { n += 1 }
    return n
}
