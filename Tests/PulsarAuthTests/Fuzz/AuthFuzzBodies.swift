// What the PulsarAuth fuzz targets do with one input. Compiled into the test target (the regression replay in
// FuzzRegressionTests) and, by `scripts/fuzz`, together with PulsarAuth's sources into one libFuzzer binary.
#if canImport(PulsarAuth)
@testable import PulsarAuth
#endif

/// One input of each PulsarAuth fuzz target; each must return for any input, with a description of a broken property
/// (nil when every property holds).
enum AuthFuzz {
    /// `json`: parse; a parsed document serializes and parses back to the same value.
    static func json(_ bytes: [UInt8]) -> String? {
        guard let value = try? JSONValue(parsing: bytes) else { return nil }
        let again = try? JSONValue(parsing: value.serialized)
        return again == value ? nil : "\(value.serialized) did not survive a round trip: \(again?.serialized ?? "refused")"
    }

    /// `jwt`: the input as a compact token: parsed, then validated with an HS256 key (signature, expiry, role).
    static func jwt(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? JSONWebToken(compact: text)
        _ = try? validator.validate(text, now: 1_700_000_000)
        return nil
    }

    /// `der`: the input as a public and as a private key, DER or PEM.
    static func der(_ bytes: [UInt8]) -> String? {
        _ = try? AsymmetricPublicKey(derOrPEM: bytes)
        _ = try? AsymmetricPrivateKey(derOrPEM: bytes)
        return nil
    }

    private static let validator: TokenValidator = {
        do {
            return try TokenValidator(key: .secret(Array("fuzzing-secret-fuzzing-secret-32".utf8)))
        } catch {
            fatalError("the fuzz validator's key is refused: \(error)")
        }
    }()
}
