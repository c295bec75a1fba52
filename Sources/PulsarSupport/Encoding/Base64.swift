/// Standard base64 (RFC 4648 §4) as found in PEM bodies and key files.
public enum Base64 {
    /// Encodes bytes with the standard alphabet and `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Base64Core.encode(bytes, alphabet: Base64Core.standardAlphabet, pad: true)
    }

    /// Decodes base64 text leniently, as key files need.
    ///
    /// Whitespace (spaces, tabs, CR, LF) is ignored anywhere; padding is optional but,
    /// when present, must only end the text; the URL-safe `-` and `_` are accepted in
    /// place of `+` and `/` (but not mixed with them). Any other character is an error.
    public static func decode(_ text: some StringProtocol) throws(FormatError) -> [UInt8] {
        var values = [UInt8]()
        values.reserveCapacity(text.utf8.count)
        var paddingCount = 0
        var sawStandard = false
        var sawURLSafe = false
        for (offset, byte) in text.utf8.enumerated() {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                continue
            case UInt8(ascii: "="):
                paddingCount += 1
                continue
            default:
                break
            }
            guard paddingCount == 0 else {
                throw FormatError(.invalidBase64, "base64 text continues after '=' padding at offset \(offset)")
            }
            var value = Base64Core.standardDecodeTable[Int(byte)]
            if value == 0xFF {
                value = Base64Core.urlDecodeTable[Int(byte)]
                sawURLSafe = sawURLSafe || value != 0xFF
            } else if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") {
                sawStandard = true
            }
            guard value != 0xFF else {
                let shown = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
                throw FormatError(.invalidBase64, "invalid base64 character \(shown) at offset \(offset)")
            }
            values.append(value)
        }
        guard !(sawStandard && sawURLSafe) else {
            throw FormatError(.invalidBase64, "base64 text mixes the standard (+/) and URL-safe (-_) alphabets")
        }
        guard paddingCount <= 2, paddingCount == 0 || (values.count + paddingCount) % 4 == 0 else {
            throw FormatError(.invalidBase64, "base64 text has wrong '=' padding")
        }
        guard let bytes = Base64Core.decodeSymbols(values, strictTrailingBits: false) else {
            throw FormatError(.invalidBase64, "base64 text has an impossible length (\(values.count) symbols)")
        }
        return bytes
    }

    /// Whether `text` decodes as base64 under `decode(_:)`'s rules and is not empty.
    public static func isBase64(_ text: some StringProtocol) -> Bool {
        guard let bytes = try? decode(text) else { return false }
        return !bytes.isEmpty
    }
}
