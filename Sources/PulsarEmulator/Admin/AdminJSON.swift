import PulsarSupport

/// The admin REST API's JSON is PulsarSupport's `JSONValue` (objects keep their members in insertion order, so answers
/// are deterministic and read like the broker's); these helpers are what the router and stats need on top.
extension JSONValue {
    /// The member `key` of an object, or nil.
    subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// An integral number (also one written as `3.0`), or nil.
    var intValue: Int64? {
        switch self {
        case .integer(let value): value
        case .double(let value) where value.rounded() == value && abs(value) < 9.2e18: Int64(value)
        default: nil
        }
    }

    /// A number from any integer.
    static func number(_ value: some BinaryInteger) -> JSONValue { .integer(Int64(clamping: value)) }

    /// An array of strings.
    static func strings(_ values: some Sequence<String>) -> JSONValue { .array(values.map { .string($0) }) }

    /// An object from ordered pairs (a later duplicate replaces an earlier value).
    static func object(_ pairs: [(String, JSONValue)]) -> JSONValue {
        var object = JSONObject()
        for (key, value) in pairs { object[key] = value }
        return .object(object)
    }

    /// Compact JSON text.
    func encoded() -> String { serialized }

    /// Parses a request body: strict RFC 8259, nesting limited, duplicate member names refused.
    static func parse(_ bytes: [UInt8]) throws(FormatError) -> JSONValue {
        try JSONValue(parsing: bytes)
    }
}
