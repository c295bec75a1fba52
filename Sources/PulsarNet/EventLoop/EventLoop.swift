#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The owner of a registered descriptor: told on the event-loop thread when its descriptor becomes ready.
protocol EventHandler: AnyObject, Sendable {
    /// Called on the event-loop thread; must not block. May be called spuriously.
    func handle(_ events: IOEvents)
}

/// A thread running an edge-triggered epoll / kqueue loop that dispatches readiness to registered handlers.
///
/// Handlers are held weakly (dropping a connection without closing it still releases it) and are keyed by a
/// process-unique id, never by descriptor number, so an event for a closed descriptor can never reach a newer
/// owner of the same number.
final class EventLoop: Sendable {
    /// The process-wide loop, started on first use.
    static let shared: EventLoop = {
        do {
            return try EventLoop(name: "PulsarNet-loop", detached: true)
        } catch {
            fatalError("PulsarNet: cannot start the event loop: \(error)")
        }
    }()

    private struct WeakHandler {
        weak var handler: (any EventHandler)?
    }

    private struct State {
        var handlers: [UInt64: WeakHandler] = [:]
        var stopping = false
        var thread: LoopThread?
        /// Resumed once the loop finishes the iteration in progress (see `waitForCurrentIteration`).
        var barriers: [UnsafeContinuation<Void, Never>] = []
        /// Jobs of tasks that prefer this loop as their executor, run after each batch of events.
        var jobs: [UnownedJob] = []
        /// The loop is (about to be) blocked in the poller with no jobs pending: enqueuing a job must wake it.
        var sleeping = false
        /// A wake-up was sent and not yet consumed.
        var wakePending = false
        /// The loop thread's id, set when it starts.
        var threadID: UInt = 0
    }

    /// The readiness notifier the loop waits on.
    let poller: Poller
    private let state = Mutex(State())
    private let nextID = Atomic<UInt64>(1)

    /// Creates a poller and starts a thread waiting on it. A `detached` loop runs for the life of the process.
    init(name: String, detached: Bool = false) throws {
        poller = try Poller()
        do {
            let thread = try LoopThread.start(name: name, detached: detached) { [self] in self.run() }
            state.withLock { $0.thread = thread }
        } catch {
            poller.close()
            throw error
        }
    }

    /// Registers `fd` (edge-triggered: readable, and writable too if `writable`) for `handler`; returns its id.
    func register(fd: Int32, handler: any EventHandler, writable: Bool) throws -> UInt64 {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        state.withLock { $0.handlers[id] = WeakHandler(handler: handler) }
        do {
            try poller.register(fd: fd, id: id, writable: writable)
        } catch {
            state.withLock { _ = $0.handlers.removeValue(forKey: id) }
            throw error
        }
        return id
    }

    /// Forgets registration `id`. The descriptor itself is removed from the poller when it is closed.
    func deregister(id: UInt64) {
        state.withLock { _ = $0.handlers.removeValue(forKey: id) }
    }

    /// The number of live registrations (for tests and introspection).
    var registrationCount: Int {
        state.withLock { $0.handlers.count }
    }

    /// Returns once the loop has finished the iteration in progress, and so released every handler it was dispatching
    /// to (used by tests to know that dropped connections have been deinitialized).
    func waitForCurrentIteration() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let stopped = state.withLock { state -> Bool in
                guard !state.stopping else { return true }
                state.barriers.append(continuation)
                return false
            }
            if stopped { continuation.resume() } else { poller.wake() }
        }
    }

    /// Stops the thread, waits for it to finish and releases the poller. Not for the shared loop.
    func shutdown() {
        let thread: LoopThread? = state.withLock { state in
            guard !state.stopping else { return nil }
            state.stopping = true
            return state.thread
        }
        guard let thread else { return }
        poller.wake()
        thread.join()
        poller.close()
    }

    /// True when called on this loop's thread.
    var isCurrentThread: Bool {
        let current = LoopThread.currentID()
        return state.withLock { $0.threadID == current }
    }

    /// Queues a job of a task that prefers this loop as its executor; wakes the loop if it is waiting.
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let wake = state.withLock { state -> Bool in
            state.jobs.append(job)
            guard state.sleeping, !state.wakePending else { return false }
            state.wakePending = true
            return true
        }
        if wake { poller.wake() }
    }

    /// The loop body, on the loop thread: wait for readiness, dispatch it, run queued jobs, repeat.
    private func run() {
        state.withLock { $0.threadID = LoopThread.currentID() }
        let executor = asUnownedTaskExecutor()
        let buffer = Poller.EventBuffer()
        var ready: [(id: UInt64, events: IOEvents)] = []
        var batch: [(handler: any EventHandler, events: IOEvents)] = []
        var jobs: [UnownedJob] = []
        ready.reserveCapacity(Poller.batchSize)
        batch.reserveCapacity(Poller.batchSize)
        while true {
            let block = state.withLock { state -> Bool in
                state.sleeping = state.jobs.isEmpty && !state.stopping
                return state.sleeping
            }
            do {
                try poller.wait(into: buffer, blocking: block) { id, events in ready.append((id, events)) }
            } catch {
                fatalError("PulsarNet: event loop wait failed: \(error)")
            }
            state.withLock { state in
                state.sleeping = false
                state.wakePending = false
                for entry in ready where entry.id != Poller.wakeID {
                    if let handler = state.handlers[entry.id]?.handler {
                        batch.append((handler, entry.events))
                    }
                }
            }
            ready.removeAll(keepingCapacity: true)
            for entry in batch {
                entry.handler.handle(entry.events)
            }
            batch.removeAll(keepingCapacity: true)

            let (stop, barriers) = state.withLock { state -> (Bool, [UnsafeContinuation<Void, Never>]) in
                swap(&jobs, &state.jobs)
                defer { state.barriers = [] }
                return (state.stopping, state.barriers)
            }
            for job in jobs {
                job.runSynchronously(on: executor)
            }
            jobs.removeAll(keepingCapacity: true)
            for barrier in barriers { barrier.resume() }
            if stop {
                finishAfterStop(executor: executor)
                return
            }
        }
    }

    /// After `shutdown`: runs the jobs still queued (best effort) and releases late barriers.
    private func finishAfterStop(executor: UnownedTaskExecutor) {
        while true {
            let (jobs, barriers) = state.withLock { state in
                defer {
                    state.jobs = []
                    state.barriers = []
                }
                return (state.jobs, state.barriers)
            }
            if jobs.isEmpty && barriers.isEmpty { return }
            for job in jobs { job.runSynchronously(on: executor) }
            for barrier in barriers { barrier.resume() }
        }
    }
}

extension EventLoop: TaskExecutor {}

/// PulsarNet's event-loop thread as a Swift task executor.
///
/// A task that prefers it (`Task(executorPreference: EventLoopExecutor.shared) { ... }` or
/// `withTaskExecutorPreference(EventLoopExecutor.shared) { ... }`) runs on the I/O thread itself: a read that was
/// waiting resumes right after the readiness event, without waking a thread of the global pool, which roughly halves
/// round-trip latency. Such code must never block (no blocking system calls, no long computations, no locks held
/// across work): it stalls all I/O of the process while it runs.
public enum EventLoopExecutor {
    /// The shared event loop, started on first use.
    public static var shared: any TaskExecutor { EventLoop.shared }
}
