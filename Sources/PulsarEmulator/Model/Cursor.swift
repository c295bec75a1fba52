/// A subscription's acknowledgement state over its topic's entry ids (a managed cursor, in broker terms).
///
/// ```
///   acked ≤ markDeletePosition     individually acked       partially acked batch
///  ─────────────────────────────┐   ┌──┐        ┌──┐      ┌──┐
///  e0 e1 e2 e3 e4 e5 e6 e7 e8 e9 │e10│e11│e12│e13│e14│e15│e16│ …
///                                    ▲                          ▲
///                                    markDeletePosition + 1     readPosition (next never-dispatched entry)
/// ```
struct Cursor: Equatable {
    /// Every entry with an id up to and including this one is acknowledged; -1 (or first - 1) before any.
    private(set) var markDeletePosition: Int64
    /// Entries acknowledged individually above the mark-delete position.
    private(set) var individuallyAcked = SortedEntryIDs()
    /// Partially acknowledged batches: entry id → bitset words where a set bit is a message still unacknowledged.
    private(set) var batchAckSets: [Int64: [Int64]] = [:]
    /// The next entry that was never dispatched.
    var readPosition: Int64

    /// A cursor whose first unacknowledged entry is `firstUnacknowledged`.
    init(firstUnacknowledged: Int64) {
        markDeletePosition = firstUnacknowledged - 1
        readPosition = firstUnacknowledged
    }

    /// Whether the whole entry is acknowledged.
    func isAcknowledged(_ id: Int64) -> Bool {
        id <= markDeletePosition || individuallyAcked.contains(id)
    }

    /// The bitset of still-unacknowledged messages of a partially acknowledged batch, if any.
    func unacknowledgedBatchIndexes(_ id: Int64) -> [Int64]? { batchAckSets[id] }

    /// Acknowledges entry `id`, or part of it when `ackSet` is given (set bits = messages this ack leaves
    /// unacknowledged, as clients send them). Returns true once the whole entry is acknowledged.
    @discardableResult
    mutating func acknowledge(_ id: Int64, ackSet: [Int64]? = nil) -> Bool {
        guard !isAcknowledged(id) else { return true }
        if let ackSet, !ackSet.isEmpty {
            let remaining = Self.intersect(batchAckSets[id] ?? ackSet, ackSet)
            if remaining.contains(where: { $0 != 0 }) {
                batchAckSets[id] = remaining
                return false
            }
        }
        batchAckSets[id] = nil
        individuallyAcked.insert(id)
        advanceMarkDelete()
        return true
    }

    /// Acknowledges every entry up to and including `id` (the last one partially when `ackSet` is given).
    mutating func acknowledgeCumulative(through id: Int64, ackSet: [Int64]? = nil) {
        if let ackSet, ackSet.contains(where: { $0 != 0 }) {
            if id - 1 > markDeletePosition { moveMarkDelete(to: id - 1) }
            acknowledge(id, ackSet: ackSet)
        } else if id > markDeletePosition {
            moveMarkDelete(to: id)
        }
    }

    /// Moves the cursor so that `position` is the next entry read and nothing from it on is acknowledged (seek).
    mutating func reset(to position: Int64) {
        markDeletePosition = position - 1
        individuallyAcked.removeAll()
        batchAckSets.removeAll()
        readPosition = position
    }

    /// Raises the mark-delete position to at least `firstStored - 1` (entries below were trimmed or never existed).
    mutating func skipTo(firstStored: Int64) {
        if markDeletePosition < firstStored - 1 { moveMarkDelete(to: firstStored - 1) }
        if readPosition < firstStored { readPosition = firstStored }
    }

    private mutating func moveMarkDelete(to id: Int64) {
        markDeletePosition = id
        individuallyAcked.removeAll(through: id)
        batchAckSets = batchAckSets.filter { $0.key > id }
        if readPosition <= id { readPosition = id + 1 }
        advanceMarkDelete()
    }

    private mutating func advanceMarkDelete() {
        while let first = individuallyAcked.first, first == markDeletePosition + 1 {
            individuallyAcked.removeFirst()
            markDeletePosition = first
        }
    }

    private static func intersect(_ lhs: [Int64], _ rhs: [Int64]) -> [Int64] {
        (0..<max(lhs.count, rhs.count)).map { index in
            (index < lhs.count ? lhs[index] : 0) & (index < rhs.count ? rhs[index] : 0)
        }
    }
}
