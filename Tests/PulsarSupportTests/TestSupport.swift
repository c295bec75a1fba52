import PulsarSupport
import Testing

/// The code of the `FormatError` thrown by `body`, or `nil` if it succeeded (any other error is recorded as a test
/// issue).
func formatErrorCode<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> FormatError.Code? {
    do {
        _ = try body()
        return nil
    } catch let error as FormatError {
        return error.code
    } catch {
        Issue.record("unexpected non-FormatError \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// SplitMix64: the same bytes on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
