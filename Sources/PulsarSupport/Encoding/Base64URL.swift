/// Base64url without padding (RFC 4648 §5, as used by JWS/JWT, RFC 7515 §2).
public enum Base64URL {
    /// Encodes bytes with the URL-safe alphabet and no `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Base64Core.encode(bytes, alphabet: Base64Core.urlAlphabet, pad: false)
    }

    /// Decodes unpadded base64url text strictly.
    ///
    /// Rejects padding, whitespace, characters outside `A–Z a–z 0–9 - _`, impossible
    /// lengths and non-zero unused trailing bits (so each byte string has exactly one encoding).
    public static func decode(_ text: some StringProtocol) throws(FormatError) -> [UInt8] {
        var values = [UInt8]()
        values.reserveCapacity(text.utf8.count)
        for (offset, byte) in text.utf8.enumerated() {
            let value = Base64Core.urlDecodeTable[Int(byte)]
            guard value != 0xFF else {
                let shown = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
                throw FormatError(.invalidBase64, "invalid base64url character \(shown) at offset \(offset)")
            }
            values.append(value)
        }
        guard let bytes = Base64Core.decodeSymbols(values, strictTrailingBits: true) else {
            throw FormatError(.invalidBase64, values.count % 4 == 1
                ? "base64url text has an impossible length (\(values.count) characters)"
                : "base64url text has non-zero trailing bits (not a canonical encoding)")
        }
        return bytes
    }
}
