import PulsarSupport

extension Base64 {
    /// ``Base64/decode(_:)`` for key material (PEM bodies, key settings, secret key files): text that does not
    /// decode is an `AuthError` with code `invalidEncoding`.
    static func decodeKeyMaterial(_ text: some StringProtocol) throws(AuthError) -> [UInt8] {
        do {
            return try decode(text)
        } catch {
            throw AuthError(.invalidEncoding, error.message)
        }
    }
}
