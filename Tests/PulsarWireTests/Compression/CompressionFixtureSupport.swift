import Foundation
import PulsarWire

/// Access to `Fixtures/compression/` of the package containing this file.
enum CompressionFixtures {
    /// The package root: the nearest ancestor of this file containing `Package.swift`.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    static let directory = packageRoot.appendingPathComponent("Fixtures/compression")

    /// A compressed fixture: `<input>.<variant>` where the variant starts with the codec name.
    struct Compressed: CustomStringConvertible, Sendable {
        let input: String
        let variant: String
        let codec: PayloadCompression.Codec
        var description: String { "\(input).\(variant)" }
        var bytes: [UInt8] { CompressionFixtures.read("\(input).\(variant)") }
        var raw: [UInt8] { CompressionFixtures.read("\(input).raw") }
    }

    static func read(_ name: String) -> [UInt8] {
        let url = directory.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else { fatalError("missing fixture \(name)") }
        return [UInt8](data)
    }

    static func codec(ofVariant variant: String) -> PayloadCompression.Codec? {
        switch variant.split(separator: "-").first.map(String.init) {
        case "lz4": .lz4
        case "zlib": .zlib
        case "zstd": .zstd
        case "snappy": .snappy
        default: nil
        }
    }

    /// Names of the raw inputs (`<name>.raw`).
    static let inputs: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".raw") }.map { String($0.dropLast(4)) }.sorted()
    }()

    /// Every compressed fixture.
    static let compressed: [Compressed] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { name in
            guard let dot = name.firstIndex(of: ".") else { return nil }
            let variant = String(name[name.index(after: dot)...])
            guard let codec = codec(ofVariant: variant) else { return nil }
            return Compressed(input: String(name[..<dot]), variant: variant, codec: codec)
        }
    }()

    /// The codecs our compressor implements.
    static let compressingCodecs: [PayloadCompression.Codec] = [.none, .lz4, .zlib, .zstd, .snappy]
}
