import PulsarWire

/// Timers as a binary min-heap of deadlines: looking at the next one is O(1) and taking one O(log n), so a tick with
/// nothing due costs nothing, however many topics, connections or delayed messages there are.
///
/// Entries are checked lazily: the owner schedules a deadline, and when it comes due, compares it with its current
/// state (a connection that has since sent traffic, a session already closed) and reschedules or drops it. Equal
/// deadlines come out in the order they were scheduled.
struct DeadlineQueue<Element: Sendable>: Sendable {
    private struct Item: Sendable {
        var deadline: Int64
        var sequence: UInt64
        var element: Element

        func precedes(_ other: Item) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
        }
    }

    private var heap: [Item] = []
    private var nextSequence: UInt64 = 0

    /// Number of scheduled deadlines.
    var count: Int { heap.count }
    /// The earliest deadline, if any.
    var nextDeadline: Int64? { heap.first?.deadline }

    /// Schedules `element` for `deadline` (milliseconds, same clock as `popDue`).
    mutating func schedule(_ element: Element, at deadline: Int64) {
        heap.append(Item(deadline: deadline, sequence: nextSequence, element: element))
        nextSequence &+= 1
        siftUp(heap.count - 1)
    }

    /// Removes and returns the earliest element whose deadline is at or before `now`, or nil if none is due.
    mutating func popDue(now: Int64) -> (deadline: Int64, element: Element)? {
        guard let first = heap.first, first.deadline <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return (first.deadline, first.element)
    }

    /// Drops every scheduled element.
    mutating func removeAll() {
        heap.removeAll()
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

/// What a broker timer is for.
enum BrokerTimer: Equatable, Sendable {
    /// The keep-alive check of a connection (PING, or close after a silent interval or an unfinished handshake).
    case keepAlive(ConnectionID)
    /// The token expiry check of an authenticated connection.
    case authenticationCheck(ConnectionID)
    /// A delayed message's delivery time on one subscription.
    case delayedDelivery(TopicName, subscription: String, entryId: Int64)
}
