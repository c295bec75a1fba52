import Foundation
import Testing
@testable import PulsarAuth

/// Replays the inputs under `Fixtures/fuzz/<target>/` (what `scripts/fuzz` found, kept as regressions) through the
/// PulsarAuth fuzz bodies.
@Suite("Fuzz regressions: PulsarAuth", .timeLimit(.minutes(2)))
struct AuthFuzzRegressionTests {
    static func inputs(_ target: String) -> [[UInt8]] {
        var root = URL(fileURLWithPath: #filePath)
        while root.path != "/", !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        let folder = root.appendingPathComponent("Fixtures/fuzz/\(target)")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }
        return names.sorted().compactMap { FileManager.default.contents(atPath: folder.appendingPathComponent($0).path).map { [UInt8]($0) } }
    }

    @Test("json, jwt and der: regressions")
    func regressions() {
        for input in Self.inputs("json") { #expect(AuthFuzz.json(input) == nil) }
        for input in Self.inputs("jwt") { #expect(AuthFuzz.jwt(input) == nil) }
        for input in Self.inputs("der") { #expect(AuthFuzz.der(input) == nil) }
    }
}
