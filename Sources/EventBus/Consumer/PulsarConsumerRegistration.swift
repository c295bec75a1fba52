/// A consumer registered with ``PulsarEventBus``: its counters, the handlers running now, its events, and
/// ``stop(deadline:)``. Coze Studio's consumers have no such handle; they live until the process ends.
public final class PulsarConsumerRegistration: ConsumerRegistration {
    /// The topic, as configured.
    public let topic: String
    /// The group: the Exclusive subscription's name.
    public let group: String
    /// The options in effect.
    public let options: EventConsumerOptions
    private let driver: RegistrationDriver

    init(topic: String, group: String, options: EventConsumerOptions, driver: RegistrationDriver) {
        self.topic = topic
        self.group = group
        self.options = options
        self.driver = driver
    }

    /// Received, handled, failed, retried, dead-lettered and abandoned messages so far.
    public var counters: EventBusCounters { driver.monitor.counters }

    /// Handlers running now (a failed message waiting out its retry backoff still counts).
    public var runningHandlers: Int { driver.monitor.runningHandlers }

    /// Whether ``stop(deadline:)`` has completed: the consumer and its client are closed.
    public var isStopped: Bool { driver.monitor.isFinished }

    /// Every event of this registration from now on; the stream ends when the registration has stopped. It buffers
    /// without limit: iterate it, or drop it to unsubscribe.
    public func events() -> AsyncStream<EventBusEvent> { driver.monitor.events() }

    /// Stops receiving, lets handlers already running finish within `deadline` (real time), then cancels those
    /// still running, and closes the consumer and its client. Messages received and not handled (queued, waiting for
    /// a busy key, or whose handler was cancelled) are neither acknowledged nor negatively acknowledged: the broker
    /// delivers them to the group's next consumer. Idempotent; later calls wait for the first to finish.
    public func stop(deadline: Duration = .seconds(30)) async {
        await driver.stop(deadline: deadline)
    }
}
