/// Every error the event bus throws: a stable, extensible ``Code``, a message that says what to do, and the client's
/// error underneath when there is one.
public struct EventBusError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure. Extensible: switch with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidArgument, invalidNameServer, invalidEnvironment, unsupportedMQType
            case producerBusy, consumerBusy, producerClosed, busClosed
            case producerCreationFailed, subscribeFailed, sendFailed
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// An empty topic, group or name server, or an option out of range.
        public static let invalidArgument = Code(.invalidArgument)
        /// The name server is not a `pulsar://host:port` URL or list of them.
        public static let invalidNameServer = Code(.invalidNameServer)
        /// A required environment variable is missing or empty.
        public static let invalidEnvironment = Code(.invalidEnvironment)
        /// `COZE_MQ_TYPE` names another message queue than `pulsar`.
        public static let unsupportedMQType = Code(.unsupportedMQType)
        /// Another producer of the same group is connected to the topic (another replica): the broker's ProducerBusy.
        public static let producerBusy = Code(.producerBusy)
        /// Another consumer of the same group is attached to the topic (another replica): the broker's ConsumerBusy.
        public static let consumerBusy = Code(.consumerBusy)
        /// The producer was closed.
        public static let producerClosed = Code(.producerClosed)
        /// The event bus was shut down.
        public static let busClosed = Code(.busClosed)
        /// The producer could not be created (connection, authentication, topic …; see ``EventBusError/underlying``).
        public static let producerCreationFailed = Code(.producerCreationFailed)
        /// The subscription could not be created (see ``EventBusError/underlying``).
        public static let subscribeFailed = Code(.subscribeFailed)
        /// A message could not be published (see ``EventBusError/underlying``).
        public static let sendFailed = Code(.sendFailed)

        /// The code's name, e.g. `producerBusy`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// The client's error, when the client failed.
    public var underlying: PulsarClientError?

    /// Creates an error.
    public init(_ code: Code, _ message: String, underlying: PulsarClientError? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// `code: message (underlying)`.
    public var description: String {
        "\(code): \(message)" + (underlying.map { " (\($0))" } ?? "")
    }

    /// An empty-argument error naming the parameter, as Coze Studio's checks do ("topic is required").
    static func required(_ what: String) -> EventBusError {
        EventBusError(.invalidArgument, "\(what) is required and must not be empty")
    }

    /// Throws ``Code/invalidArgument`` when one of the named values is empty (after trimming whitespace).
    static func requireNonEmpty(_ values: KeyValuePairs<String, String>) throws {
        for (name, value) in values where value.allSatisfy(\.isWhitespace) {
            throw required(name)
        }
    }
}
