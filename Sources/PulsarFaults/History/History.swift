import Synchronization

/// What a fault scenario did and saw, as a log of events: every send with its outcome, every delivery and every ack.
/// ``HistoryChecker`` then checks the queue's promises against it.
///
/// A message is named by its producer and a number the workload gives it (``MessageRef``), carried in the payload
/// or a property, so a delivery can be matched to its send whatever the broker did to message ids.
public struct History: Sendable, Equatable {
    /// One message, as the workload names it.
    public struct MessageRef: Hashable, Sendable, Comparable, CustomStringConvertible {
        /// The producer (or service replica) that sent it.
        public var producer: String
        /// The workload's number for it, unique per producer.
        public var number: Int

        /// Names a message.
        public init(producer: String, number: Int) {
            self.producer = producer
            self.number = number
        }

        /// `producer#number`.
        public var description: String { "\(producer)#\(number)" }

        /// Producer, then number.
        public static func < (lhs: MessageRef, rhs: MessageRef) -> Bool {
            (lhs.producer, lhs.number) < (rhs.producer, rhs.number)
        }
    }

    /// How a send ended, as the sender saw it.
    public enum SendOutcome: String, Sendable, Equatable {
        /// The broker's receipt arrived: the message must be delivered.
        case acknowledged
        /// The send reported an error: the message may or may not have been stored.
        case failed
        /// The run ended before the send did.
        case unknown
    }

    /// What a subscription promises about order (its subscription type, as far as order goes).
    public enum OrderPromise: String, Sendable, Equatable {
        /// Exclusive and Failover: per producer, in send order.
        case perProducer
        /// Key_Shared: per producer and key.
        case perKey
        /// Shared: no order.
        case none
    }

    /// One event.
    public enum Event: Sendable, Equatable {
        /// A send started; `key` is its partition (sharding) key.
        case send(MessageRef, key: String?)
        /// A send ended.
        case sendCompleted(MessageRef, SendOutcome)
        /// A subscription's consumer handed the message to its handler. `redelivered` is what the broker said (a
        /// redelivery count above 0).
        case delivered(MessageRef, subscription: String, consumer: String, redelivered: Bool)
        /// The consumer acknowledged the message.
        case acknowledged(MessageRef, subscription: String)
    }

    /// The events, in the order they happened.
    public private(set) var events: [Event] = []
    /// The subscriptions that must see every acknowledged send, and what each promises about order.
    public private(set) var subscriptions: [String: OrderPromise] = [:]

    /// An empty history.
    public init() {}

    /// Declares a subscription that must receive every acknowledged send.
    public mutating func expectSubscription(_ name: String, order: OrderPromise) { subscriptions[name] = order }

    /// Appends an event.
    public mutating func record(_ event: Event) { events.append(event) }
}

/// Records a ``History`` from any thread: senders, handlers and ack callbacks share one recorder.
public final class HistoryRecorder: Sendable {
    private let history = Mutex(History())

    /// An empty recorder.
    public init() {}

    /// Declares a subscription that must receive every acknowledged send.
    public func expectSubscription(_ name: String, order: History.OrderPromise) {
        history.withLock { $0.expectSubscription(name, order: order) }
    }

    /// Appends an event.
    public func record(_ event: History.Event) { history.withLock { $0.record(event) } }

    /// A send started.
    public func send(_ message: History.MessageRef, key: String? = nil) { record(.send(message, key: key)) }

    /// A send ended.
    public func sendCompleted(_ message: History.MessageRef, _ outcome: History.SendOutcome) {
        record(.sendCompleted(message, outcome))
    }

    /// A handler received the message.
    public func delivered(_ message: History.MessageRef, subscription: String, consumer: String = "", redelivered: Bool = false) {
        record(.delivered(message, subscription: subscription, consumer: consumer, redelivered: redelivered))
    }

    /// The message was acknowledged.
    public func acknowledged(_ message: History.MessageRef, subscription: String) {
        record(.acknowledged(message, subscription: subscription))
    }

    /// What was recorded so far.
    public var snapshot: History { history.withLock { $0 } }
}
