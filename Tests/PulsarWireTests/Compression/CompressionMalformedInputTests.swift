import PulsarSupport
import PulsarWire
import Testing

/// Decompressors must reject malformed input with an error, never trap or hang.
@Suite(.timeLimit(.minutes(2))) struct MalformedInputTests {
    /// One valid stream per codec variant to damage.
    static let samples: [CompressionFixtures.Compressed] = CompressionFixtures.compressed.filter {
        ["pulsar-batch", "short-text", "rle-literals", "alphabet4"].contains($0.input)
    }

    @Test(arguments: samples)
    func truncatedInputThrows(_ fixture: CompressionFixtures.Compressed) {
        let bytes = fixture.bytes, size = fixture.raw.count
        let step = max(1, bytes.count / 300)
        for length in stride(from: 0, to: bytes.count, by: step) {
            #expect(throws: WireError.self, "\(fixture) cut to \(length) bytes") {
                try PayloadCompression.decompress(bytes[0..<length], codec: fixture.codec, uncompressedSize: size)
            }
        }
    }

    @Test(arguments: samples)
    func bitFlipsNeverTrap(_ fixture: CompressionFixtures.Compressed) {
        let bytes = fixture.bytes, raw = fixture.raw
        var rng = SeededRandom(seed: 0xF11B)
        var rejected = 0
        let trials = 400
        for _ in 0..<trials {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                damaged[Int.random(in: 0..<damaged.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            }
            do {
                let output = try PayloadCompression.decompress(damaged, codec: fixture.codec, uncompressedSize: raw.count)
                #expect(output.count == raw.count)
            } catch is WireError {
                rejected += 1
            } catch {
                Issue.record("\(fixture): damage rejected with a non-WireError \(error)")
            }
        }
        // Formats with a checksum over the content detect nearly all damage.
        if fixture.codec == .zlib || fixture.variant.hasSuffix("checksum") {
            #expect(rejected >= trials * 9 / 10, "\(fixture): only \(rejected) of \(trials) damaged streams rejected")
        }
    }

    @Test(arguments: [PayloadCompression.Codec.lz4, .zlib, .zstd, .snappy])
    func randomBytesNeverTrap(_ codec: PayloadCompression.Codec) {
        var rng = SeededRandom(seed: 0xBAD5_EED0 &+ UInt64(codec.rawValue))
        let prefixes: [[UInt8]] = [[], [0x78, 0x9C], [0x28, 0xB5, 0x2F, 0xFD], [0x28, 0xB5, 0x2F, 0xFD, 0x60]]
        for _ in 0..<1500 {
            var bytes = prefixes.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...600, using: &rng) { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
            let size = Int.random(in: 0...70_000, using: &rng)
            _ = try? PayloadCompression.decompress(bytes, codec: codec, uncompressedSize: size)
        }
    }

    @Test(arguments: CompressionFixtures.compressed.filter { $0.input != "empty" })
    func wrongUncompressedSizeThrows(_ fixture: CompressionFixtures.Compressed) {
        let bytes = fixture.bytes, size = fixture.raw.count
        for wrong in [size - 1, size + 1, size * 2 + 7, 0] where wrong != size && wrong >= 0 {
            #expect(throws: WireError.self, "\(fixture) with size \(wrong)") {
                try PayloadCompression.decompress(bytes, codec: fixture.codec, uncompressedSize: wrong)
            }
        }
        #expect(code(of: { try PayloadCompression.decompress(bytes, codec: fixture.codec, uncompressedSize: size + 1) })
            == .uncompressedSizeMismatch)
    }

    @Test func sizeLimits() {
        let bytes = CompressionFixtures.read("short-text.zstd-3")
        #expect(code(of: { try PayloadCompression.decompress(bytes, codec: .zstd, uncompressedSize: -1) }) == .uncompressedSizeMismatch)
        #expect(code(of: {
            try PayloadCompression.decompress(bytes, codec: .zstd, uncompressedSize: PayloadCompression.maxUncompressedSize + 1)
        }) == .compressionLimitExceeded)
        for codec in [PayloadCompression.Codec.lz4, .zlib, .zstd, .snappy] {
            #expect(code(of: { try PayloadCompression.decompress([UInt8](), codec: codec, uncompressedSize: 0) }) == .decompressionFailed)
        }
    }

    @Test func zstdChecksumMismatchIsCorrupt() {
        var bytes = CompressionFixtures.read("pulsar-batch.zstd-3-checksum")
        bytes[bytes.count - 1] ^= 0x80
        let size = CompressionFixtures.read("pulsar-batch.raw").count
        #expect(code(of: { try PayloadCompression.decompress(bytes, codec: .zstd, uncompressedSize: size) }) == .decompressionFailed)
    }

    @Test func unsupportedFeaturesAreReported() {
        // A zstd frame header naming dictionary 7 (Dictionary_ID_Flag 1, one byte).
        let zstd: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x21, 0x07, 0x00, 0x01, 0x00, 0x00]
        #expect(code(of: { try PayloadCompression.decompress(zstd, codec: .zstd, uncompressedSize: 0) }) == .unsupportedCompression)
        // A zlib header with FDICT set: 0x78 0xBB (0x78BB % 31 == 0).
        let zlib: [UInt8] = [0x78, 0xBB, 0, 0, 0, 1, 0, 0, 0, 1]
        #expect(code(of: { try PayloadCompression.decompress(zlib, codec: .zlib, uncompressedSize: 0) }) == .unsupportedCompression)
    }

    @Test func zstdSkippableAndConcatenatedFrames() throws {
        let a = CompressionFixtures.read("short-text.zstd-3"), b = CompressionFixtures.read("pulsar-batch.zstd-19")
        let skippable: [UInt8] = [0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 9, 9, 9]
        let expected = CompressionFixtures.read("short-text.raw") + CompressionFixtures.read("pulsar-batch.raw")
        let output = try PayloadCompression.decompress(skippable + a + skippable + b, codec: .zstd, uncompressedSize: expected.count)
        #expect(output == expected)
    }

    private func code(of body: () throws -> [UInt8]) -> WireError.Code? {
        do {
            _ = try body()
            return nil
        } catch let error as WireError {
            return error.code
        } catch {
            Issue.record("unexpected non-WireError \(error)")
            return nil
        }
    }
}
