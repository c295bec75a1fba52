import Foundation
import PulsarSupport

/// Deterministic test inputs of assorted shapes and sizes.
enum RandomData {
    private static let words = Array(
        "pulsar topic broker bookie ledger entry message batch producer consumer subscription cursor partition tenant namespace schema the a of and to in is for on with".split(separator: " ")
    )

    /// An input whose shape (random, low-entropy, text, runs, repeated chunks) and size
    /// (0 bytes to ~300 KiB, log-uniform) are drawn from `rng`.
    static func make(using rng: inout SeededRandom) -> [UInt8] {
        let size = Int(exp(Double.random(in: 0...log(300_000.0), using: &rng))) - 1
        var out: [UInt8] = []
        out.reserveCapacity(size)
        switch Int.random(in: 0..<5, using: &rng) {
        case 0:
            while out.count < size { out.append(UInt8.random(in: 0...255, using: &rng)) }
        case 1:
            let alphabet = Int.random(in: 1...8, using: &rng)
            while out.count < size { out.append(UInt8.random(in: 0..<UInt8(alphabet), using: &rng) &* 37) }
        case 2:
            while out.count < size {
                out.append(contentsOf: words.randomElement(using: &rng)!.utf8)
                out.append(Bool.random(using: &rng) ? 32 : 10)
            }
        case 3:
            while out.count < size {
                let byte = UInt8.random(in: 0...255, using: &rng)
                out.append(contentsOf: repeatElement(byte, count: Int.random(in: 1...5000, using: &rng)))
            }
        default:
            let chunk = (0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            while out.count < size {
                var copy = chunk
                if Bool.random(using: &rng), !copy.isEmpty { copy[Int.random(in: 0..<copy.count, using: &rng)] ^= 0x5A }
                out.append(contentsOf: copy)
                if Int.random(in: 0..<4, using: &rng) == 0 { out.append(UInt8.random(in: 0...255, using: &rng)) }
            }
        }
        return Array(out.prefix(size))
    }
}
