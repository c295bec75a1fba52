import Foundation
import PulsarSupport
import PulsarWire
import Testing

/// Our compressors' output, decompressed by the reference libraries through Python
/// (`PULSARKIT_PYTHON` must name a Python with `lz4`, `python-snappy` and `zstandard`).
@Suite(.timeLimit(.minutes(3))) struct PythonRefereeTests {
    static let python = ProcessInfo.processInfo.environment["PULSARKIT_PYTHON"]

    static let script = """
        import os, sys, zlib
        import lz4.block, snappy, zstandard
        folder = sys.argv[1]
        for name in sorted(os.listdir(folder)):
            stem, _, codec = name.rpartition(".")
            if codec not in ("lz4", "zlib", "zstd", "snappy"):
                continue
            data = open(os.path.join(folder, name), "rb").read()
            size = int(open(os.path.join(folder, stem + ".size")).read())
            if codec == "lz4":
                out = lz4.block.decompress(data, uncompressed_size=size)
            elif codec == "zlib":
                out = zlib.decompress(data)
            elif codec == "snappy":
                out = snappy.decompress(data)
            else:
                out = zstandard.ZstdDecompressor().decompress(data, max_output_size=size)
            open(os.path.join(folder, name + ".out"), "wb").write(out)
        """

    @Test(.enabled(if: python != nil, "PULSARKIT_PYTHON is not set: skipping the Python referee"))
    func referenceLibrariesDecompressOurOutput() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pulsar-compression-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var inputs: [(String, [UInt8])] = CompressionFixtures.inputs.map { ($0, CompressionFixtures.read("\($0).raw")) }
        var rng = SeededRandom(seed: 0x5EED_0002)
        for k in 0..<12 { inputs.append(("random-\(k)", RandomData.make(using: &rng))) }
        let codecs: [PayloadCompression.Codec] = [.lz4, .zlib, .zstd, .snappy]
        for (name, raw) in inputs {
            try Data(String(raw.count).utf8).write(to: folder.appendingPathComponent("\(name).size"))
            for codec in codecs {
                let compressed = try PayloadCompression.compress(raw, codec: codec)
                try Data(compressed).write(to: folder.appendingPathComponent("\(name).\(codec)"))
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python!)
        process.arguments = ["-c", Self.script, folder.path]
        try process.run()
        // Suspend, not block: `waitUntilExit` would hold a thread of the test runner's pool for the whole run.
        let deadline = ContinuousClock.now + .seconds(120)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try #require(!process.isRunning, "the Python referee did not finish within 120 s")
        try #require(process.terminationStatus == 0, "the Python referee failed")
        for (name, raw) in inputs {
            for codec in codecs {
                let out = FileManager.default.contents(atPath: folder.appendingPathComponent("\(name).\(codec).out").path)
                #expect(out.map { [UInt8]($0) } == raw, "reference \(codec) decompression of our \(name)")
            }
        }
    }

    @Test func reportsWhenSkipped() {
        if Self.python == nil {
            print("PythonRefereeTests: PULSARKIT_PYTHON is not set, so our compressed output is not checked "
                + "by the reference lz4/zlib/zstandard/snappy libraries (set it to a Python with lz4, python-snappy, zstandard)")
        }
    }
}
