import Foundation

/// A golden frame from `Fixtures/frames/`: bytes captured from the official client or a third-party broker.
struct FrameFixture: CustomStringConvertible {
    /// File name, e.g. `client-send-batched-lz4.hex`.
    var name: String
    /// `# key: value` header lines.
    var header: [String: String]
    /// The frame's bytes, size header included.
    var bytes: [UInt8]

    var description: String { name }

    /// The package root, found by walking up from this file.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// Every `*.hex` fixture under `Fixtures/frames`, sorted by name.
    static let all: [FrameFixture] = {
        let folder = packageRoot.appendingPathComponent("Fixtures/frames")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".hex") }.sorted().map { name in
            let text = (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
            return parse(name: name, text: text)
        }
    }()

    static func parse(name: String, text: String) -> FrameFixture {
        var header: [String: String] = [:]
        var hex = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("#") {
                let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if let colon = body.firstIndex(of: ":") {
                    header[String(body[..<colon]).lowercased()] = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            } else {
                hex += line.filter { !$0.isWhitespace }
            }
        }
        return FrameFixture(name: name, header: header, bytes: decodeHex(hex))
    }
}

/// Bytes from a hex string (no separators).
func decodeHex(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var iterator = hex.utf8.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        bytes.append(UInt8(hexDigit(high) << 4 | hexDigit(low)))
    }
    return bytes
}

private func hexDigit(_ c: UInt8) -> UInt8 {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: 0
    }
}
