import PulsarSupport
import PulsarWire
import Testing

@Suite("CRC32C", .timeLimit(.minutes(2)))
struct CRC32CTests {
    /// Bit-at-a-time reference implementation of the same polynomial.
    private func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test("published check values")
    func checkValues() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // RFC 3720 (iSCSI) B.4 vectors.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xff, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
    }

    @Test("slicing-by-8 agrees with the bitwise reference at every length and alignment")
    func agreesWithReference() {
        var generator = SeededRandom(seed: 7)
        let data = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for length in 0..<70 {
            for offset in 0..<9 {
                let slice = Array(data[offset..<(offset + length)])
                #expect(CRC32C.checksum(slice) == reference(slice))
                #expect(CRC32C.checksum(data[offset..<(offset + length)]) == reference(slice))
            }
        }
    }

    @Test("update continues a checksum across pieces")
    func incremental() {
        let data = Array("The quick brown fox jumps over the lazy dog".utf8)
        for cut in 0...data.count {
            #expect(CRC32C.update(CRC32C.checksum(data[..<cut]), with: data[cut...]) == CRC32C.checksum(data))
        }
    }
}
