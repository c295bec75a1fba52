/// A sorted set of entry ids, small and cache-friendly (binary search over a sorted array).
struct SortedEntryIDs: Sequence, Equatable {
    private(set) var ids: [Int64] = []

    /// Number of ids.
    var count: Int { ids.count }
    /// True when empty.
    var isEmpty: Bool { ids.isEmpty }
    /// The smallest id.
    var first: Int64? { ids.first }

    private func position(of id: Int64) -> Int {
        var low = 0, high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Whether `id` is present.
    func contains(_ id: Int64) -> Bool {
        let index = position(of: id)
        return index < ids.count && ids[index] == id
    }

    /// Adds `id`; returns false if it was already present.
    @discardableResult mutating func insert(_ id: Int64) -> Bool {
        let index = position(of: id)
        if index < ids.count, ids[index] == id { return false }
        if index == ids.count { ids.append(id) } else { ids.insert(id, at: index) }
        return true
    }

    /// Removes `id`; returns false if it was absent.
    @discardableResult mutating func remove(_ id: Int64) -> Bool {
        let index = position(of: id)
        guard index < ids.count, ids[index] == id else { return false }
        ids.remove(at: index)
        return true
    }

    /// Removes and returns the smallest id.
    @discardableResult mutating func removeFirst() -> Int64? {
        ids.isEmpty ? nil : ids.removeFirst()
    }

    /// Removes every id up to and including `id`.
    mutating func removeAll(through id: Int64) {
        ids.removeFirst(position(of: id + 1))
    }

    /// Removes everything.
    mutating func removeAll() { ids.removeAll() }

    /// Iterates in ascending order.
    func makeIterator() -> IndexingIterator<[Int64]> { ids.makeIterator() }
}
