import PulsarAuth

/// Every error the emulator's public API throws (apart from `NetError` when its port cannot be bound): a stable,
/// extensible ``Code`` plus a message for a person.
///
/// Switch on ``code`` with a `default` branch (new codes may be added). When a token or key operation of PulsarAuth
/// failed underneath, ``authError`` holds that failure and ``message`` repeats its explanation.
public struct EmulatorError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure. Extensible: switch with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration, invalidKey, tokenMinting, invalidPermissionGrant, invalidArgument, topicNotFound
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Settings that are missing or contradict each other: token authentication without a key, minting with
        /// authentication off or with a public key only, an RSA key with ES256.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A token key that cannot be read or decoded, or that does not fit its algorithm (a secret shorter than
        /// HS256's 32 bytes, a key pair for an HS* algorithm).
        public static let invalidKey = Code(.invalidKey)
        /// A token could not be signed.
        public static let tokenMinting = Code(.tokenMinting)
        /// A permission grant (`ROLE:RESOURCE:ACTIONS`) that cannot be parsed.
        public static let invalidPermissionGrant = Code(.invalidPermissionGrant)
        /// An argument out of range or malformed: a topic name that does not parse, a negative count.
        public static let invalidArgument = Code(.invalidArgument)
        /// The topic named does not exist.
        public static let topicNotFound = Code(.topicNotFound)

        /// The code's name, e.g. `invalidKey`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// The PulsarAuth failure underneath, when a key or token operation failed.
    public var authError: AuthError?

    /// Creates an error.
    public init(_ code: Code, _ message: String, authError: AuthError? = nil) {
        self.code = code
        self.message = message
        self.authError = authError
    }

    /// Wraps a PulsarAuth failure: `invalidConfiguration` stays so, key and algorithm problems become
    /// ``Code/invalidKey``, anything else `fallback`.
    init(_ authError: AuthError, fallback: Code) {
        let code: Code = switch authError.code {
        case .invalidConfiguration: .invalidConfiguration
        case .invalidKey, .malformedKey, .invalidEncoding, .keyFileUnreadable, .unsupportedAlgorithm, .algorithmMismatch:
            .invalidKey
        default: fallback
        }
        self.init(code, authError.message, authError: authError)
    }

    /// `EmulatorError(code): message`.
    public var description: String { "EmulatorError(\(code)): \(message)" }
}
