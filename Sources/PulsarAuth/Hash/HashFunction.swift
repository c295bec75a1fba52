/// A Merkle–Damgård hash function usable incrementally and by `HMAC`.
public protocol HashFunction: Sendable {
    /// The size in bytes of the blocks the compression function consumes.
    static var blockSize: Int { get }
    /// The size in bytes of the digest.
    static var digestSize: Int { get }
    /// Creates a hasher in its initial state.
    init()
    /// Absorbs bytes from raw memory.
    mutating func update(bufferPointer: UnsafeRawBufferPointer)
    /// Finishes hashing and returns the digest; the hasher should not be used afterwards.
    mutating func finalize() -> [UInt8]
}

extension HashFunction {
    /// Absorbs the bytes of any collection (contiguous storage is used directly).
    public mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            self.update(bufferPointer: UnsafeRawBufferPointer(buffer))
        }
        if done == nil {
            Array(bytes).withUnsafeBytes { self.update(bufferPointer: $0) }
        }
    }

    /// Hashes a whole message in one call.
    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var hasher = Self()
        hasher.update(bytes)
        return hasher.finalize()
    }
}

/// Buffers partial blocks for a block-oriented compression function.
///
/// `compress` is called with a pointer to one or more whole blocks.
struct BlockBuffer: Sendable {
    private var pending: [UInt8]
    private(set) var totalBytes: UInt64 = 0
    let blockSize: Int

    init(blockSize: Int) {
        self.blockSize = blockSize
        pending = []
        pending.reserveCapacity(blockSize)
    }

    /// Feeds `input`, calling `compress` for every completed run of whole blocks.
    mutating func absorb(_ input: UnsafeRawBufferPointer, compress: (UnsafeRawBufferPointer) -> Void) {
        totalBytes &+= UInt64(input.count)
        var rest = input[...]
        if !pending.isEmpty {
            let take = min(blockSize - pending.count, rest.count)
            pending.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            if pending.count == blockSize {
                pending.withUnsafeBytes { compress($0) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        let wholeCount = rest.count - rest.count % blockSize
        if wholeCount > 0 {
            let start = rest.startIndex
            compress(UnsafeRawBufferPointer(rebasing: input[start..<(start + wholeCount)]))
            rest = rest.dropFirst(wholeCount)
        }
        if !rest.isEmpty {
            pending.append(contentsOf: rest)
        }
    }

    /// Appends MD padding with a big-endian bit length of `lengthFieldSize` bytes
    /// and compresses the final block(s).
    mutating func pad(lengthFieldSize: Int, compress: (UnsafeRawBufferPointer) -> Void) {
        let bitLength = totalBytes &* 8
        var tail = pending
        tail.append(0x80)
        while (tail.count + lengthFieldSize) % blockSize != 0 {
            tail.append(0)
        }
        for _ in 0..<(lengthFieldSize - 8) {
            tail.append(0)
        }
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        tail.withUnsafeBytes { compress($0) }
        pending.removeAll()
    }
}
