/// A first-in first-out queue with O(1) amortised `append` and `popFirst` (an array and a head index, compacted
/// once the consumed prefix outgrows the live part).
struct Deque<Element> {
    private var storage: [Element] = []
    private var head = 0

    /// An empty queue.
    init() {}

    /// The number of elements.
    var count: Int { storage.count - head }

    /// True when empty.
    var isEmpty: Bool { head == storage.count }

    /// The oldest element.
    var first: Element? { isEmpty ? nil : storage[head] }

    /// The newest element.
    var last: Element? { isEmpty ? nil : storage[storage.count - 1] }

    /// Adds an element at the back.
    mutating func append(_ element: Element) {
        storage.append(element)
    }

    /// Removes and returns the oldest element.
    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Puts an element back at the front.
    mutating func prepend(_ element: Element) {
        if head > 0 {
            head -= 1
            storage[head] = element
        } else {
            storage.insert(element, at: 0)
        }
    }

    /// Removes every element.
    mutating func removeAll() {
        storage.removeAll()
        head = 0
    }

    /// Keeps only the elements for which `keep` is true, in order.
    mutating func removeAll(where remove: (Element) -> Bool) {
        storage = storage[head...].filter { !remove($0) }
        head = 0
    }

    /// The elements, oldest first.
    var elements: ArraySlice<Element> { storage[head...] }

    /// Mutates the oldest element in place.
    mutating func withFirst<R>(_ body: (inout Element) -> R) -> R? {
        guard head < storage.count else { return nil }
        return body(&storage[head])
    }
}

extension Deque: Equatable where Element: Equatable {
    static func == (lhs: Deque, rhs: Deque) -> Bool { lhs.elements.elementsEqual(rhs.elements) }
}
