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

