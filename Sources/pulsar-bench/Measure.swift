#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` `iterations` times per round over several rounds and reports the best round's time per
/// iteration, the least disturbed by other load on a shared machine.
func measure(rounds: Int = 5, iterations: Int, _ body: () -> Void) -> Duration {
    let clock = ContinuousClock()
    var best = Duration.seconds(1_000_000)
    body()  // warm-up
    for _ in 0..<rounds {
        let elapsed = clock.measure { for _ in 0..<iterations { body() } }
        best = min(best, elapsed)
    }
    return best / iterations
}

/// Keeps a value alive so the optimiser cannot drop the work that produced it.
@inline(never) func blackHole<T>(_ value: T) {
    withUnsafePointer(to: value) { _ = $0 }
}

extension Duration {
    /// Nanoseconds as a Double.
    var nanoseconds: Double { self / .nanoseconds(1) }
}

/// Formats a table row with fixed-width columns.
func row(_ columns: [String], widths: [Int]) -> String {
    zip(columns, widths).map { column, width in
        column.count >= width ? column : column + String(repeating: " ", count: width - column.count)
    }.joined(separator: " ")
}

/// `value` with `digits` decimals.
func format(_ value: Double, _ digits: Int = 1) -> String {
    if digits == 0 { return String(Int(value.rounded())) }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    }
    return text
}

/// Prints a line straight to standard output (unbuffered, so progress shows when piped).
func say(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in _ = write(1, bytes.baseAddress, bytes.count) }
}
