import PulsarWire

/// Every error the client throws: a stable, extensible ``Code`` plus context.
///
/// Switch on ``code`` with a `default` branch (new codes may be added). When the broker refused a request,
/// ``serverError`` holds the wire `ServerError` it sent; the common refusals also have codes of their own
/// (``Code/producerBusy``, ``Code/consumerBusy``, ``Code/authentication`` …) so callers need not look at it.
public struct PulsarClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure. Extensible: switch with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case serverError, timeout, connectionFailed, connectionClosed, authentication, authorization
            case invalidConfiguration, invalidTopicName, topicNotFound, topicTerminated
            case producerBusy, producerFenced, consumerBusy, producerQueueFull, alreadyClosed
            case unsupportedCompression, protocolError, lookupFailed, messageTooLarge, corruptMessage
            case notSupported, cancelled, invalidMessageID
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The broker refused the request; see ``PulsarClientError/serverError``.
        public static let serverError = Code(.serverError)
        /// An operation, send or connection did not complete in time.
        public static let timeout = Code(.timeout)
        /// No broker could be reached (refused, unresolvable, handshake failed).
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection closed while the operation was in flight.
        public static let connectionClosed = Code(.connectionClosed)
        /// The broker refused the credentials (`AuthenticationError`), or the token could not be obtained.
        public static let authentication = Code(.authentication)
        /// The role may not do this (`AuthorizationError`).
        public static let authorization = Code(.authorization)
        /// The configuration or the options are invalid.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The topic name is malformed (`InvalidTopicName`).
        public static let invalidTopicName = Code(.invalidTopicName)
        /// The topic does not exist and could not be created (`TopicNotFound`).
        public static let topicNotFound = Code(.topicNotFound)
        /// The topic was terminated; nothing more can be published (`TopicTerminatedError`).
        public static let topicTerminated = Code(.topicTerminated)
        /// A producer with this name (or an exclusive producer) is already connected (`ProducerBusy`).
        public static let producerBusy = Code(.producerBusy)
        /// An exclusive producer was fenced by another one (`ProducerFenced`).
        public static let producerFenced = Code(.producerFenced)
        /// The subscription refuses this consumer: Exclusive with a consumer attached, or another type (`ConsumerBusy`).
        public static let consumerBusy = Code(.consumerBusy)
        /// The producer's pending queue is full and the producer is set to fail rather than wait.
        public static let producerQueueFull = Code(.producerQueueFull)
        /// The client, producer or consumer was closed.
        public static let alreadyClosed = Code(.alreadyClosed)
        /// A message uses a compression codec this build cannot handle.
        public static let unsupportedCompression = Code(.unsupportedCompression)
        /// The broker sent something the protocol does not allow (malformed frame, receipt out of order …).
        public static let protocolError = Code(.protocolError)
        /// The topic lookup failed (`Failed` answer, too many redirects).
        public static let lookupFailed = Code(.lookupFailed)
        /// The message is larger than the broker's maximum message size.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// A received entry is corrupt (checksum, decompression or batch layout) and was skipped.
        public static let corruptMessage = Code(.corruptMessage)
        /// The operation is not supported (for example cumulative acknowledgement on a Shared subscription).
        public static let notSupported = Code(.notSupported)
        /// The waiting task was cancelled.
        public static let cancelled = Code(.cancelled)
        /// A message id that does not belong to this consumer or cannot be decoded.
        public static let invalidMessageID = Code(.invalidMessageID)

        /// The code's name, e.g. `producerBusy`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// The broker's `ServerError` when the broker refused the request.
    public var serverError: ServerError?
    /// The topic involved, when there is one.
    public var topic: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, serverError: ServerError? = nil, topic: String? = nil) {
        self.code = code
        self.message = message
        self.serverError = serverError
        self.topic = topic
    }

    /// `code: message (ServerError) [topic]`.
    public var description: String {
        var text = "\(code): \(message)"
        if let serverError { text += " (\(serverError))" }
        if let topic { text += " [\(topic)]" }
        return text
    }

    /// The error for a broker refusal, with the dedicated code for the refusals callers commonly handle.
    public static func server(_ error: ServerError, _ message: String, topic: String? = nil) -> PulsarClientError {
        let code: Code = switch error {
        case .authenticationError: .authentication
        case .authorizationError: .authorization
        case .producerBusy: .producerBusy
        case .producerFenced: .producerFenced
        case .consumerBusy: .consumerBusy
        case .topicNotFound: .topicNotFound
        case .topicTerminatedError: .topicTerminated
        case .invalidTopicName: .invalidTopicName
        default: .serverError
        }
        return PulsarClientError(code, message.isEmpty ? "\(error)" : message, serverError: error, topic: topic)
    }

    /// The same error with `topic` set when it had none.
    func with(topic: String) -> PulsarClientError {
        var copy = self
        if copy.topic == nil { copy.topic = topic }
        return copy
    }

    /// Whether retrying (after a reconnect) can succeed: connection trouble and transient broker refusals.
    var isRetryable: Bool {
        switch code {
        case .timeout, .connectionFailed, .connectionClosed, .protocolError, .lookupFailed:
            return true
        case .serverError:
            guard let serverError else { return true }
            return [.serviceNotReady, .tooManyRequests, .metadataError, .persistenceError, .unknownError,
                    .producerBlockedQuotaExceededError, .producerBlockedQuotaExceededException].contains(serverError)
        default:
            return false
        }
    }

    /// Whether a reconnecting producer or consumer should try again: retryable errors, plus ProducerBusy and
    /// ConsumerBusy, which are transient then (the broker may not yet have noticed the old connection is gone).
    var isRetryableOnReconnect: Bool {
        isRetryable || code == .consumerBusy || code == .producerBusy
    }

    static func closed(_ what: String) -> PulsarClientError { PulsarClientError(.alreadyClosed, "\(what) is closed") }
}
