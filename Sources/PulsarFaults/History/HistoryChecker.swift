/// What ``HistoryChecker/check(_:)`` found: the broken promises, and the counts of what is allowed but worth
/// knowing (duplicates, redeliveries, failed sends that were stored anyway).
public struct HistoryCheck: Sendable, Equatable, CustomStringConvertible {
    /// A broken promise.
    public enum Violation: Sendable, Equatable, CustomStringConvertible {
        /// An acknowledged send never reached the subscription.
        case lost(History.MessageRef, subscription: String)
        /// The subscription received a message nobody sent.
        case invented(History.MessageRef, subscription: String)
        /// `message` reached the subscription for the first time after `after`, which was sent later by the same
        /// producer (with the same key, on Key_Shared), and the broker did not call it a redelivery.
        case outOfOrder(History.MessageRef, after: History.MessageRef, subscription: String)
        /// A message was acknowledged on a subscription that never received it.
        case acknowledgedWithoutDelivery(History.MessageRef, subscription: String)

        /// One line for a person.
        public var description: String {
            switch self {
            case .lost(let message, let subscription):
                "lost: \(message) was acknowledged to its sender and never reached \(subscription)"
            case .invented(let message, let subscription):
                "invented: \(subscription) received \(message), which was never sent"
            case .outOfOrder(let message, let after, let subscription):
                "out of order: \(subscription) first received \(message) after \(after), which was sent later"
            case .acknowledgedWithoutDelivery(let message, let subscription):
                "acknowledged without delivery: \(message) on \(subscription)"
            }
        }
    }

    /// The broken promises, in the order they were found.
    public var violations: [Violation] = []
    /// Sends started.
    public var sends = 0
    /// Sends whose receipt arrived.
    public var acknowledgedSends = 0
    /// Sends that reported an error.
    public var failedSends = 0
    /// Sends that never ended.
    public var unfinishedSends = 0
    /// Deliveries, all subscriptions together.
    public var deliveries = 0
    /// Deliveries of a message the subscription had received already (at-least-once delivery's extra copies).
    public var duplicates = 0
    /// Deliveries the broker marked as redeliveries.
    public var redeliveries = 0
    /// Sends that reported failure and were delivered anyway (stored before the error reached the sender).
    public var failedButDelivered = 0

    /// True when no promise was broken.
    public var isValid: Bool { violations.isEmpty }

    /// A summary line, then one line per violation.
    public var description: String {
        var lines = ["\(violations.isEmpty ? "valid" : "\(violations.count) violation(s)"): \(sends) sends "
                     + "(\(acknowledgedSends) acknowledged, \(failedSends) failed, \(unfinishedSends) unfinished), "
                     + "\(deliveries) deliveries, \(duplicates) duplicates, \(redeliveries) redeliveries, "
                     + "\(failedButDelivered) failed sends delivered anyway"]
        lines += violations.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// Checks a ``History`` against what a Pulsar subscription promises:
/// - every acknowledged send reaches every expected subscription at least once (nothing lost);
/// - nothing is received that was never sent (nothing invented);
/// - the first delivery of each message keeps send order per producer (Exclusive, Failover) or per producer and key
///   (Key_Shared), except for deliveries the broker marks as redeliveries. Repeated deliveries are counted as
///   duplicates, never as disorder: a redelivery legitimately goes back in the stream.
///
/// Order is judged only among acknowledged sends: a send that failed may or may not have been stored, and where.
public enum HistoryChecker {
    /// Checks `history`.
    public static func check(_ history: History) -> HistoryCheck {
        var result = HistoryCheck()
        var sendIndex: [History.MessageRef: Int] = [:]
        var keys: [History.MessageRef: String?] = [:]
        var outcomes: [History.MessageRef: History.SendOutcome] = [:]
        for event in history.events {
            switch event {
            case .send(let message, let key):
                if sendIndex[message] == nil {
                    sendIndex[message] = sendIndex.count
                    keys[message] = key
                    result.sends += 1
                }
            case .sendCompleted(let message, let outcome):
                // A later outcome wins only over `unknown` or `failed` (a retried send that succeeded).
                if outcomes[message] != .acknowledged { outcomes[message] = outcome }
            default:
                break
            }
        }
        for message in sendIndex.keys {
            switch outcomes[message] ?? .unknown {
            case .acknowledged: result.acknowledgedSends += 1
            case .failed: result.failedSends += 1
            case .unknown: result.unfinishedSends += 1
            }
        }

        var received: [String: Set<History.MessageRef>] = [:]
        var lastInOrder: [String: [String: History.MessageRef]] = [:]   // subscription → order group → latest first delivery
        var failedDelivered: Set<History.MessageRef> = []
        for event in history.events {
            switch event {
            case .delivered(let message, let subscription, _, let redelivered):
                result.deliveries += 1
                if redelivered { result.redeliveries += 1 }
                guard let index = sendIndex[message] else {
                    result.violations.append(.invented(message, subscription: subscription))
                    continue
                }
                guard received[subscription, default: []].insert(message).inserted else {
                    result.duplicates += 1
                    continue
                }
                if outcomes[message] == .failed { failedDelivered.insert(message) }
                guard outcomes[message] == .acknowledged,
                      let group = orderGroup(message, key: keys[message] ?? nil, promise: history.subscriptions[subscription]) else { continue }
                if let previous = lastInOrder[subscription]?[group], let previousIndex = sendIndex[previous], previousIndex > index {
                    if !redelivered { result.violations.append(.outOfOrder(message, after: previous, subscription: subscription)) }
                } else {
                    lastInOrder[subscription, default: [:]][group] = message
                }
            case .acknowledged(let message, let subscription):
                if received[subscription]?.contains(message) != true {
                    result.violations.append(.acknowledgedWithoutDelivery(message, subscription: subscription))
                }
            default:
                break
            }
        }
        result.failedButDelivered = failedDelivered.count

        for subscription in history.subscriptions.keys.sorted() {
            let got = received[subscription] ?? []
            let lost = sendIndex.keys.filter { outcomes[$0] == .acknowledged && !got.contains($0) }
            for message in lost.sorted(by: { sendIndex[$0]! < sendIndex[$1]! }) {
                result.violations.append(.lost(message, subscription: subscription))
            }
        }
        return result
    }

    /// The group within which order is promised; nil when none is.
    private static func orderGroup(_ message: History.MessageRef, key: String?, promise: History.OrderPromise?) -> String? {
        switch promise ?? .perProducer {
        case .perProducer: message.producer
        case .perKey: message.producer + "\u{0}" + (key ?? "")
        case .none: nil
        }
    }
}
