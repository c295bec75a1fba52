import Foundation
import Testing
@testable import PulsarWire

/// Replays the inputs under `Fixtures/fuzz/<target>/` (what `scripts/fuzz` found, kept as regressions) and the golden
/// frames through the PulsarWire fuzz bodies: none may trap or break a round-trip property.
@Suite("Fuzz regressions: PulsarWire", .timeLimit(.minutes(2)))
struct WireFuzzRegressionTests {
    static func inputs(_ target: String) -> [[UInt8]] {
        let folder = FrameFixture.packageRoot.appendingPathComponent("Fixtures/fuzz/\(target)")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }
        return names.sorted().compactMap { FileManager.default.contents(atPath: folder.appendingPathComponent($0).path).map { [UInt8]($0) } }
    }

    @Test("frame: regressions and every golden frame")
    func frame() {
        for input in Self.inputs("frame") + FrameFixture.all.map(\.bytes) { #expect(WireFuzz.frame(input) == nil) }
    }

    @Test("metadata: regressions")
    func metadata() {
        for input in Self.inputs("metadata") { #expect(WireFuzz.metadata(input) == nil) }
    }

    @Test("decompressors: regressions", arguments: [("lz4", PayloadCompression.Codec.lz4), ("zlib", .zlib), ("snappy", .snappy), ("zstd", .zstd)])
    func decompressors(_ target: String, _ codec: PayloadCompression.Codec) {
        for input in Self.inputs(target) { #expect(WireFuzz.decompress(input, codec: codec) == nil) }
    }
}
