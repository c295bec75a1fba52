import PulsarWire

/// The broker's consistent-hash ring: 100 points per consumer at `Murmur3(consumerName + i)`, a hash served by the
/// first point at or above it (wrapping to the first point). Key_Shared AUTO_SPLIT picks consumers with it, and
/// Failover picks the active consumer of a non-partitioned topic with it.
///
/// ```
///  0 ─────●a────●b──●a──────────●b───●a─────── Int32.max
///         ▲ hash h goes to the first point ≥ h (consumers sharing a point: sorted by name, [h % count])
/// ```
struct ConsistentHashRing {
    /// Points per consumer, as the broker's default.
    static let pointsPerConsumer = 100

    private let hashes: [Int32]
    private let members: [[ConsumerKey]]

    /// A ring over `consumers` (key and name).
    init(_ consumers: [(key: ConsumerKey, name: String)]) {
        var points: [Int32: [(key: ConsumerKey, name: String)]] = [:]
        for consumer in consumers {
            for index in 0..<Self.pointsPerConsumer {
                points[Murmur3.pulsarHash(Array((consumer.name + String(index)).utf8)), default: []].append(consumer)
            }
        }
        let sorted = points.keys.sorted()
        hashes = sorted
        members = sorted.map { hash in
            points[hash]!.sorted { ($0.name, $0.key) < ($1.name, $1.key) }.map(\.key)
        }
    }

    /// The consumer that serves `hash` (a non-negative Murmur3 hash).
    func select(_ hash: Int32) -> ConsumerKey? {
        guard !hashes.isEmpty else { return nil }
        var low = 0, high = hashes.count
        while low < high {
            let middle = (low + high) / 2
            if hashes[middle] < hash { low = middle + 1 } else { high = middle }
        }
        let point = members[low == hashes.count ? 0 : low]
        return point[Int(hash) % point.count]
    }
}
