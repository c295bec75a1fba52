extension JSONValue {
    /// Compact JSON text (no insignificant whitespace, object members in order,
    /// `/` and non-ASCII left unescaped). Non-finite doubles become `null`.
    public var serialized: String {
        var output = ""
        append(to: &output)
        return output
    }

    /// The UTF-8 bytes of `serialized`.
    public var serializedBytes: [UInt8] { Array(serialized.utf8) }

    private func append(to output: inout String) {
        switch self {
        case .null:
            output += "null"
        case .bool(let value):
            output += value ? "true" : "false"
        case .integer(let value):
            output += String(value)
        case .double(let value):
            if !value.isFinite {
                output += "null"
            } else if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
                output += String(Int64(value))
            } else {
                output += "\(value)"
            }
        case .string(let value):
            Self.appendString(value, to: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.append(to: &output)
            }
            output += "]"
        case .object(let object):
            output += "{"
            for (index, member) in object.enumerated() {
                if index > 0 { output += "," }
                Self.appendString(member.key, to: &output)
                output += ":"
                member.value.append(to: &output)
            }
            output += "}"
        }
    }

    private static func appendString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension JSONObject {
    /// Compact JSON text of the object.
    public var serialized: String { JSONValue.object(self).serialized }
}
