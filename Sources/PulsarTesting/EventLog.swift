import Synchronization

/// Every event of every registration of the harness's bus, in the order they happened (the bus reports them under
/// the registration's lock, so one registration's events are in order).
final class EventLog: Sendable {
    private let events = Mutex<[EventBusEvent]>([])

    /// Keeps `event`.
    func append(_ event: EventBusEvent) { events.withLock { $0.append(event) } }

    /// The events so far.
    var all: [EventBusEvent] { events.withLock { $0 } }
}
