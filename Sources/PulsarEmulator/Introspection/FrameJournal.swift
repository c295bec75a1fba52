import PulsarWire

/// A frame the broker received, as a test harness's failure report lists it.
package struct JournaledFrame: Sendable, Equatable, CustomStringConvertible {
    /// The connection it came on.
    package var connection: ConnectionID
    /// Its command.
    package var command: CommandType
    /// The broker's wall clock when it arrived (milliseconds since the epoch).
    package var receivedAt: Int64

    /// `conn-3 SEND @1733450000123`.
    package var description: String { "\(connection) \(command) @\(receivedAt)" }
}

/// The last `capacity` frames the broker received, oldest first: a ring kept under the broker's lock. Off (capacity
/// 0) unless a test harness asks for it, so the broker's hot path pays nothing.
struct FrameJournal {
    let capacity: Int
    private var ring: [JournaledFrame] = []
    private var next = 0

    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// Keeps `frame`, dropping the oldest when full.
    mutating func record(_ frame: JournaledFrame) {
        guard capacity > 0 else { return }
        if ring.count < capacity {
            ring.append(frame)
        } else {
            ring[next] = frame
        }
        next = (next + 1) % capacity
    }

    /// The frames kept, oldest first.
    var frames: [JournaledFrame] {
        ring.count < capacity ? ring : Array(ring[next...] + ring[..<next])
    }
}
