/// An error raised while decoding keys, parsing tokens or validating them.
///
/// The `code` classifies the failure for programmatic handling; the `message`
/// explains to a person what exactly was wrong.
public struct AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The category of an `AuthError`. New codes may be added over time.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case malformedToken
            case invalidSignature
            case expired
            case notYetValid
            case unsupportedAlgorithm
            case algorithmMismatch
            case missingRoleClaim
            case audienceMismatch
            case invalidClaim
            case invalidKey
            case malformedKey
            case invalidEncoding
            case malformedJSON
            case keyFileUnreadable
            case invalidConfiguration
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The token is not a well-formed compact JWS (segments, base64url, JSON shape).
        public static let malformedToken = Code(.malformedToken)
        /// The signature does not verify against the configured key.
        public static let invalidSignature = Code(.invalidSignature)
        /// The `exp` claim is at or before the validation time.
        public static let expired = Code(.expired)
        /// The `nbf` claim is after the validation time.
        public static let notYetValid = Code(.notYetValid)
        /// The algorithm is unknown, unsupported, or the unsecured `none`.
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)
        /// The token's algorithm does not fit the type of the configured key.
        public static let algorithmMismatch = Code(.algorithmMismatch)
        /// The configured role claim is absent or not a usable string.
        public static let missingRoleClaim = Code(.missingRoleClaim)
        /// The audience claim is absent or does not contain the expected audience.
        public static let audienceMismatch = Code(.audienceMismatch)
        /// A registered claim (`exp`, `nbf`) has the wrong JSON type.
        public static let invalidClaim = Code(.invalidClaim)
        /// A key is structurally valid but unusable (too short, not on the curve, wrong size).
        public static let invalidKey = Code(.invalidKey)
        /// Key bytes could not be decoded (bad DER, PEM, or unknown key algorithm).
        public static let malformedKey = Code(.malformedKey)
        /// Text is not valid base64 / base64url.
        public static let invalidEncoding = Code(.invalidEncoding)
        /// Bytes are not valid JSON.
        public static let malformedJSON = Code(.malformedJSON)
        /// A key file could not be read or written.
        public static let keyFileUnreadable = Code(.keyFileUnreadable)
        /// A validator or minter was configured inconsistently.
        public static let invalidConfiguration = Code(.invalidConfiguration)

        /// The code's name, e.g. `expired`.
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
