import PulsarNet
// What the `http` fuzz target does with one input. Compiled into the test target (the regression replay in
// FuzzRegressionTests) and, by `scripts/fuzz`, with the emulator's HTTP request parser alone into a libFuzzer binary.
#if canImport(PulsarEmulator)
@testable import PulsarEmulator
#endif

/// One input of the `http` fuzz target; it must return for any input, with a description of a broken property (nil
/// when every property holds).
enum HTTPFuzz {
    /// The request parser over the whole input and over 5-byte pieces: both must yield the same requests and the same
    /// refusal.
    static func parse(_ bytes: [UInt8]) -> String? {
        let whole = requests(bytes, chunk: max(1, bytes.count))
        let pieces = requests(bytes, chunk: 5)
        return whole == pieces ? nil : "splitting the input changed what parses: \(whole) vs \(pieces)"
    }

    private struct Outcome: Equatable {
        var requests: [HTTPRequest] = []
        var failure: HTTPParseError?
    }

    private static func requests(_ bytes: [UInt8], chunk: Int) -> Outcome {
        var parser = HTTPRequestParser(limits: .init(maxHeaderBytes: 4096, maxBodyBytes: 65536))
        var outcome = Outcome()
        var offset = 0
        repeat {
            let end = min(bytes.count, offset + chunk)
            parser.append(Array(bytes[offset..<end]))
            offset = end
            while true {
                do {
                    guard let request = try parser.next() else { break }
                    outcome.requests.append(request)
                } catch {
                    outcome.failure = error
                    return outcome
                }
            }
        } while offset < bytes.count
        return outcome
    }
}
