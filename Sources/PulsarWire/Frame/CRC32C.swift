/// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF.
///
/// Pulsar checksums `metadataSize + metadata + payload` of every SEND and MESSAGE with it.
/// Table-driven, slicing-by-16: sixteen bytes per step through sixteen 256-entry tables (16 KiB, built once).
public enum CRC32C {
    /// The reflected Castagnoli polynomial.
    public static let polynomial: UInt32 = 0x82F6_3B78

    /// 16 × 256 tables; table k gives the CRC contribution of a byte followed by k zero bytes.
    /// Allocated once and never freed, so the hot loop reads it without array bookkeeping.
    nonisolated(unsafe) static let tables: UnsafePointer<UInt32> = {
        let tables = UnsafeMutablePointer<UInt32>.allocate(capacity: 16 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
            tables[byte] = crc
        }
        for byte in 0..<256 {
            var crc = tables[byte]
            for slice in 1..<16 {
                crc = (crc >> 8) ^ tables[Int(crc & 0xff)]
                tables[slice * 256 + byte] = crc
            }
        }
        return UnsafePointer(tables)
    }()

    /// The CRC32C of `bytes`.
    @inlinable public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        update(0, with: bytes)
    }

    /// Continues a CRC32C: `update(checksum(a), with: b) == checksum(a + b)`.
    @inlinable public static func update(_ crc: UInt32, with bytes: some Collection<UInt8>) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ update(crc, UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { update(crc, $0) }
    }

    /// Continues a CRC32C over raw memory.
    public static func update(_ crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        let table = tables
        var crc = ~crc
        guard var pointer = buffer.baseAddress else { return ~crc }
        var remaining = buffer.count
        @inline(__always) func lookup(_ slice: Int, _ byte: UInt64) -> UInt32 {
            table[slice &* 256 &+ Int(truncatingIfNeeded: byte & 0xff)]
        }
        while remaining >= 16 {
            let first = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)) ^ UInt64(crc)
            let second = UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            crc = lookup(15, first) ^ lookup(14, first >> 8) ^ lookup(13, first >> 16) ^ lookup(12, first >> 24)
                ^ lookup(11, first >> 32) ^ lookup(10, first >> 40) ^ lookup(9, first >> 48) ^ lookup(8, first >> 56)
                ^ lookup(7, second) ^ lookup(6, second >> 8) ^ lookup(5, second >> 16) ^ lookup(4, second >> 24)
                ^ lookup(3, second >> 32) ^ lookup(2, second >> 40) ^ lookup(1, second >> 48) ^ lookup(0, second >> 56)
            pointer += 16
            remaining &-= 16
        }
        while remaining > 0 {
            crc = (crc >> 8) ^ table[Int((crc ^ UInt32(pointer.load(as: UInt8.self))) & 0xff)]
            pointer += 1
            remaining &-= 1
        }
        return ~crc
    }
}
