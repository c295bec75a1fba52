/// Text that is not what it claims to be: JSON that does not parse, base64 that does not decode.
///
/// The `code` classifies the failure; the `message` says what exactly was wrong and where. Modules that read these
/// formats for a purpose of their own say so in their own errors: a token whose payload is not JSON is an
/// `AuthError`, an admin request whose body is not JSON a `400 Bad Request`.
public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The category of a `FormatError`. New codes may be added over time.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case malformedJSON
            case invalidBase64
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// Bytes are not valid JSON (RFC 8259), or nest too deeply.
        public static let malformedJSON = Code(.malformedJSON)
        /// Text is not valid base64 or base64url.
        public static let invalidBase64 = Code(.invalidBase64)

        /// The code's name, e.g. `malformedJSON`.
        public var description: String { base.rawValue }
    }

    /// The category of the failure.
    public var code: Code
    /// A human-readable explanation of what was wrong.
    public var message: String

    /// Creates an error with a code and an explanation.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
