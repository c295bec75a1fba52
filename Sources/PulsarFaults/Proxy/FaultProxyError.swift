/// Every error the fault proxy's API throws: a stable ``Code`` and a message for a person.
public struct FaultProxyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure. Extensible: switch with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// An argument that cannot work: a malformed address, a negative attribute, a toxicity outside 0 … 1.
        public static let invalidArgument = Code("invalidArgument")
        /// A toxic or proxy of that name exists already.
        public static let alreadyExists = Code("alreadyExists")
        /// No toxic or proxy of that name.
        public static let notFound = Code("notFound")
        /// The listen address could not be bound.
        public static let bindFailed = Code("bindFailed")

        /// The code's name.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `FaultProxyError(code): message`.
    public var description: String { "FaultProxyError(\(code)): \(message)" }
}
