/// Shared alphabet tables and bit packing for `Base64` and `Base64URL`.
enum Base64Core {
    static let standardAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let urlAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Maps an ASCII byte to its 6-bit value; 0xFF marks bytes outside the alphabet.
    static let standardDecodeTable: [UInt8] = decodeTable(standardAlphabet)
    static let urlDecodeTable: [UInt8] = decodeTable(urlAlphabet)

    private static func decodeTable(_ alphabet: [UInt8]) -> [UInt8] {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, symbol) in alphabet.enumerated() {
            table[Int(symbol)] = UInt8(value)
        }
        return table
    }

    static func encode(_ bytes: some Collection<UInt8>, alphabet: [UInt8], pad: Bool) -> String {
        let input = Array(bytes)
        var output = [UInt8]()
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= input.count {
            let chunk = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            output.append(alphabet[Int(chunk >> 6 & 63)])
            output.append(alphabet[Int(chunk & 63)])
            i += 3
        }
        let remaining = input.count - i
        if remaining == 1 {
            let chunk = UInt32(input[i]) << 16
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            if pad { output.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "=")]) }
        } else if remaining == 2 {
            let chunk = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            output.append(alphabet[Int(chunk >> 6 & 63)])
            if pad { output.append(UInt8(ascii: "=")) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes unpadded symbols (already validated through `table`).
    ///
    /// Returns `nil` when the length is impossible (one leftover symbol) or, when
    /// `strictTrailingBits` is set, when the unused low bits of the last symbol are not zero.
    static func decodeSymbols(_ values: [UInt8], strictTrailingBits: Bool) -> [UInt8]? {
        guard values.count % 4 != 1 else { return nil }
        var output = [UInt8]()
        output.reserveCapacity(values.count * 3 / 4)
        var i = 0
        while i + 4 <= values.count {
            let chunk = UInt32(values[i]) << 18 | UInt32(values[i + 1]) << 12 | UInt32(values[i + 2]) << 6 | UInt32(values[i + 3])
            output.append(UInt8(truncatingIfNeeded: chunk >> 16))
            output.append(UInt8(truncatingIfNeeded: chunk >> 8))
            output.append(UInt8(truncatingIfNeeded: chunk))
            i += 4
        }
        switch values.count - i {
        case 2:
            if strictTrailingBits && values[i + 1] & 0x0F != 0 { return nil }
            output.append(values[i] << 2 | values[i + 1] >> 4)
        case 3:
            if strictTrailingBits && values[i + 2] & 0x03 != 0 { return nil }
            output.append(values[i] << 2 | values[i + 1] >> 4)
            output.append(values[i + 1] << 4 | values[i + 2] >> 2)
        default:
            break
        }
        return output
    }
}
