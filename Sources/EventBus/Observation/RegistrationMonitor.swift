import Synchronization

/// The counters, running-handler count and event subscribers of one registration. Every change goes through
/// ``record(_:message:error:runningDelta:)``, which updates the counters and tells every ``events()`` stream and the
/// bus's observer before returning. Each stream gets the events in the order they were counted.
final class RegistrationMonitor: Sendable {
    let topic: String
    let group: String
    private let observer: (@Sendable (EventBusEvent) -> Void)?

    private struct State {
        var counters = EventBusCounters()
        var running = 0
        var streams: [UInt64: AsyncStream<EventBusEvent>.Continuation] = [:]
        var nextStream: UInt64 = 0
        var finished = false
    }

    private let state = Mutex(State())

    init(topic: String, group: String, observer: (@Sendable (EventBusEvent) -> Void)?) {
        self.topic = topic
        self.group = group
        self.observer = observer
    }

    /// The counters now.
    var counters: EventBusCounters { state.withLock { $0.counters } }

    /// Handlers running now (a failed message waiting out its retry backoff still counts).
    var runningHandlers: Int { state.withLock { $0.running } }

    /// Whether the registration has stopped (``finish()`` ran).
    var isFinished: Bool { state.withLock { $0.finished } }

    /// Records an event: counts it, adjusts the running handlers by `runningDelta`, and publishes it.
    func record(_ kind: EventBusEvent.Kind, message: Message? = nil, error: (any Error)? = nil, runningDelta: Int = 0) {
        // Streams are fed under the lock, so each sees events in the order they were counted (concurrent handlers
        // included); the observer is user code and is called outside it.
        let event = state.withLock { state -> EventBusEvent in
            switch kind {
            case .received: state.counters.received += 1
            case .handled: state.counters.handled += 1
            case .failed: state.counters.failed += 1
            case .retried: state.counters.retried += 1
            case .deadLettered: state.counters.deadLettered += 1
            case .abandoned: state.counters.abandoned += 1
            case .started, .receiveFailed, .stopping, .stopped: break
            }
            state.running += runningDelta
            let event = EventBusEvent(kind: kind, topic: topic, group: group, messageID: message?.messageID,
                                      key: message?.key, error: error.map { "\($0)" }, counters: state.counters,
                                      runningHandlers: state.running)
            for stream in state.streams.values { stream.yield(event) }
            return event
        }
        observer?(event)
    }

    /// The events from now on, until the registration stops (then the stream ends). Unbounded: consume it, or
    /// drop it to unsubscribe.
    func events() -> AsyncStream<EventBusEvent> {
        let (stream, continuation) = AsyncStream<EventBusEvent>.makeStream()
        let finished = state.withLock { state -> Bool in
            guard !state.finished else { return true }
            let id = state.nextStream
            state.nextStream += 1
            state.streams[id] = continuation
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.streams.removeValue(forKey: id) }
            }
            return false
        }
        if finished { continuation.finish() }
        return stream
    }

    /// Records ``EventBusEvent/Kind/stopped`` and ends every event stream.
    func finish() {
        record(.stopped)
        let streams = state.withLock { state in
            state.finished = true
            defer { state.streams = [:] }
            return Array(state.streams.values)
        }
        for stream in streams { stream.finish() }
    }
}
