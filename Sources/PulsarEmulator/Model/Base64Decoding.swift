/// Standard base64 decoding (with or without padding) for base64-encoded partition keys.
enum Base64Decoding {
    private static let values: [UInt8: UInt8] = {
        var table: [UInt8: UInt8] = [:]
        for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[character] = UInt8(index)
        }
        return table
    }()

    /// The decoded bytes, or nil if `text` is not base64.
    static func decode(_ text: String) -> [UInt8]? {
        var bits: UInt32 = 0, count = 0
        var output: [UInt8] = []
        for character in text.utf8 where character != UInt8(ascii: "=") {
            guard let value = values[character] else { return nil }
            bits = bits << 6 | UInt32(value)
            count += 6
            if count >= 8 {
                count -= 8
                output.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return output
    }
}
