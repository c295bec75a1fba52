import Foundation
import Testing
@testable import PulsarEmulator

/// Replays the inputs under `Fixtures/fuzz/http/` (what `scripts/fuzz http` found, kept as regressions) through the
/// HTTP request parser's fuzz body.
@Suite("Fuzz regressions: admin HTTP parser", .timeLimit(.minutes(1)))
struct HTTPFuzzRegressionTests {
    @Test("http: regressions")
    func regressions() {
        var root = URL(fileURLWithPath: #filePath)
        while root.path != "/", !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        let folder = root.appendingPathComponent("Fixtures/fuzz/http")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }
        for name in names.sorted() {
            if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) { #expect(HTTPFuzz.parse([UInt8](data)) == nil, "\(name)") }
        }
    }
}
