/// Which received messages may start their handler now: at most `limit` held at once (running, or waiting behind a
/// running message with the same key), never two with one key running together, messages of one key in arrival
/// order. Pure: the registration's driver feeds it events and runs what it returns. An orderly consumer has limit 1.
struct HandlerScheduler<Item> {
    /// Messages held at once: running plus parked.
    let limit: Int
    /// Handlers running now.
    private(set) var running = 0
    /// Messages waiting for their key to be free.
    private(set) var parkedCount = 0
    private var busyKeys: Set<String> = []
    private var parked: [String: [Item]] = [:]

    /// A scheduler holding at most `limit` messages.
    init(limit: Int) {
        self.limit = max(limit, 1)
    }

    /// Whether another message may be received.
    var hasRoom: Bool { running + parkedCount < limit }

    /// A message arrived: returns it when its handler may start now, nil when it waits behind its key.
    mutating func admit(_ item: Item, key: String?) -> Item? {
        guard let key else {
            running += 1
            return item
        }
        if busyKeys.insert(key).inserted {
            running += 1
            return item
        }
        parked[key, default: []].append(item)
        parkedCount += 1
        return nil
    }

    /// A handler finished: returns the next message of the same key, whose handler starts now, if one waits.
    mutating func finish(key: String?) -> Item? {
        if let key {
            if var queue = parked[key], !queue.isEmpty {
                let next = queue.removeFirst()
                parked[key] = queue.isEmpty ? nil : queue
                parkedCount -= 1
                return next
            }
            busyKeys.remove(key)
        }
        running -= 1
        return nil
    }

    /// Removes every parked message (the registration is stopping; they were never handled).
    mutating func drainParked() -> [Item] {
        let items = parked.values.flatMap { $0 }
        parked = [:]
        parkedCount = 0
        return items
    }
}
