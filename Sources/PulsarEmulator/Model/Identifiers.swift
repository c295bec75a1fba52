/// Identifies one client connection to the emulator.
public struct ConnectionID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// A process-unique number.
    public let rawValue: UInt64
    /// Wraps a number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// `conn-<n>`.
    public var description: String { "conn-\(rawValue)" }
    /// Orders by number.
    public static func < (lhs: ConnectionID, rhs: ConnectionID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A consumer: client-chosen ids are only unique per connection.
struct ConsumerKey: Hashable, Comparable {
    var connection: ConnectionID
    var consumerId: UInt64
    static func < (lhs: ConsumerKey, rhs: ConsumerKey) -> Bool {
        (lhs.connection, lhs.consumerId) < (rhs.connection, rhs.consumerId)
    }
}

/// A producer: client-chosen ids are only unique per connection.
struct ProducerKey: Hashable {
    var connection: ConnectionID
    var producerId: UInt64
}
