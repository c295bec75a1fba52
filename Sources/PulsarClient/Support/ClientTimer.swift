import Synchronization

/// Something the client's timer drives: batch delays, ack grouping, redelivery delays, request deadlines.
protocol Tickable: AnyObject, Sendable {
    /// Time passed; must not block.
    func tick(now: ContinuousClock.Instant)
}

/// The client's one timer task: every `resolution` it ticks each registered object (held weakly).
final class ClientTimer: Sendable {
    private struct Entry {
        weak var target: (any Tickable)?
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Starts ticking every `resolution`.
    init(resolution: Duration) {
        let loop = Task.detached { [weak self] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: resolution) } catch { return }
                guard let self else { return }
                self.tickAll()
            }
        }
        task.withLock { $0 = loop }
    }

    private func tickAll() {
        let targets = entries.withLock { entries in entries.values.compactMap(\.target) }
        let now = ContinuousClock.now
        for target in targets { target.tick(now: now) }
    }

    /// Ticks `target` from now on, until it is unregistered or released.
    func register(_ target: any Tickable) {
        entries.withLock { $0[ObjectIdentifier(target)] = Entry(target: target) }
    }

    /// Stops ticking `target`.
    func unregister(_ target: any Tickable) {
        entries.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(target)) }
    }

    /// Stops the timer task.
    func stop() {
        task.withLock { $0?.cancel() }
    }
}
