import PulsarSupport
import PulsarWire
import Testing

@Suite(.timeLimit(.minutes(2))) struct RoundTripTests {
    @Test(arguments: [PayloadCompression.Codec.none, .lz4, .zlib, .zstd, .snappy])
    func randomizedRoundTrip(_ codec: PayloadCompression.Codec) throws {
        var rng = SeededRandom(seed: 0x5EED_0001)
        for trial in 0..<60 {
            let input = RandomData.make(using: &rng)
            let compressed = try PayloadCompression.compress(input, codec: codec)
            let output = try PayloadCompression.decompress(compressed, codec: codec, uncompressedSize: input.count)
            #expect(output == input, "trial \(trial): \(input.count) bytes")
        }
    }

    @Test func compressionShrinksCompressibleData() throws {
        let raw = CompressionFixtures.read("mixed-300k.raw")
        for codec in [PayloadCompression.Codec.lz4, .zlib, .zstd, .snappy] {
            let compressed = try PayloadCompression.compress(raw, codec: codec)
            #expect(compressed.count < raw.count * 3 / 4, "\(codec): \(compressed.count) of \(raw.count)")
        }
    }

    @Test func blockBoundaries() throws {
        // Sizes around the codecs' internal block sizes (64 KiB Snappy, 128 KiB zstd, 32 Ki-token DEFLATE).
        var rng = SeededRandom(seed: 42)
        let pattern = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for size in [65535, 65536, 65537, 131_071, 131_072, 131_073, 262_145] {
            var input = [UInt8]()
            while input.count < size { input += pattern.prefix(Int.random(in: 1...1000, using: &rng)) }
            input = Array(input.prefix(size))
            for codec in [PayloadCompression.Codec.lz4, .zlib, .zstd, .snappy] {
                let compressed = try PayloadCompression.compress(input, codec: codec)
                #expect(try PayloadCompression.decompress(compressed, codec: codec, uncompressedSize: size) == input)
            }
        }
    }
}
