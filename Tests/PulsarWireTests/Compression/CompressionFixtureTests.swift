import PulsarWire
import Testing

@Suite(.timeLimit(.minutes(2))) struct CompressionFixtureTests {
    @Test func fixturesArePresent() {
        #expect(CompressionFixtures.inputs.count >= 8)
        #expect(CompressionFixtures.compressed.count >= 50)
        #expect(Set(CompressionFixtures.compressed.map(\.codec)) == [.lz4, .zlib, .zstd, .snappy])
    }

    @Test(arguments: CompressionFixtures.compressed)
    func decompressesReferenceOutput(_ fixture: CompressionFixtures.Compressed) throws {
        let raw = fixture.raw
        let output = try PayloadCompression.decompress(fixture.bytes, codec: fixture.codec, uncompressedSize: raw.count)
        #expect(output == raw)
    }

    @Test(arguments: CompressionFixtures.inputs)
    func roundTripsThroughOurCodecs(_ input: String) throws {
        let raw = CompressionFixtures.read("\(input).raw")
        for codec in CompressionFixtures.compressingCodecs {
            let compressed = try PayloadCompression.compress(raw, codec: codec)
            let output = try PayloadCompression.decompress(compressed, codec: codec, uncompressedSize: raw.count)
            #expect(output == raw, "\(codec) round trip of \(input)")
        }
    }

    @Test func acceptsNonArrayCollections() throws {
        let raw = CompressionFixtures.read("pulsar-batch.raw")
        let compressed = CompressionFixtures.read("pulsar-batch.zstd-3")
        let slice = ([0, 0] + compressed)[2...]
        #expect(try PayloadCompression.decompress(slice, codec: .zstd, uncompressedSize: raw.count) == raw)
        let lazy = compressed.lazy.map { $0 }  // no contiguous storage
        #expect(try PayloadCompression.decompress(lazy, codec: .zstd, uncompressedSize: raw.count) == raw)
    }

    @Test func noneCodecChecksSize() throws {
        #expect(try PayloadCompression.decompress([1, 2, 3], codec: .none, uncompressedSize: 3) == [1, 2, 3])
        #expect(throws: WireError.self) { try PayloadCompression.decompress([1, 2, 3], codec: .none, uncompressedSize: 4) }
    }

    @Test func codecRawValuesMatchPulsar() {
        #expect(PayloadCompression.Codec(rawValue: 0) == PayloadCompression.Codec.none)
        #expect(PayloadCompression.Codec(rawValue: 1) == .lz4)
        #expect(PayloadCompression.Codec(rawValue: 2) == .zlib)
        #expect(PayloadCompression.Codec(rawValue: 3) == .zstd)
        #expect(PayloadCompression.Codec(rawValue: 4) == .snappy)
        #expect(PayloadCompression.Codec(rawValue: 5) == nil)
    }
}
