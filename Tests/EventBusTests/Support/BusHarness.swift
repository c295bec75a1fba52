import EventBus
import Foundation
import PulsarEmulator
import Synchronization
import Testing

/// An in-process emulator and an event bus whose clients reach it over in-memory streams (no port).
struct BusHarness: Sendable {
    let emulator: PulsarEmulator
    let bus: PulsarEventBus

    /// The fully qualified name of a short topic name, as the emulator's introspection wants it.
    func qualified(_ topic: String) -> String { "persistent://public/default/\(topic)" }

    /// The broker's view of `group`'s subscription on `topic`.
    func subscription(_ group: String, topic: String) -> SubscriptionSnapshot? {
        emulator.subscription(group, topic: qualified(topic))
    }

    /// A plain client of the emulator (to publish or read without the bus).
    func client() throws -> PulsarClient {
        try PulsarClient(configuration: bus.configuration)
    }
}

/// The base client configuration of the tests: in-memory connector, silent logger, shorter operation timeout.
func testConfiguration(_ emulator: PulsarEmulator) -> ClientConfiguration {
    var configuration = ClientConfiguration(serviceURL: emulator.serviceURL)
    configuration.connector = Connector { _, _ in emulator.connectInMemory() }
    configuration.operationTimeout = .seconds(10)
    configuration.logger = ProcessInfo.processInfo.environment["PULSARKIT_CLIENT_LOG"] == "debug"
        ? PulsarLogger(level: .debug) { level, line in print("[\(level)] \(line)") } : .silent
    return configuration
}

/// Runs `body` with a fresh emulator and bus; shuts both down afterwards, also when `body` throws.
func withBus(_ emulatorConfiguration: EmulatorConfiguration = EmulatorConfiguration(),
             sleeper: EventBusSleeper? = nil, observer: (@Sendable (EventBusEvent) -> Void)? = nil,
             _ body: (BusHarness) async throws -> Void) async throws {
    let emulator = try await PulsarEmulator.start(emulatorConfiguration)
    var defaults = EventConsumerOptions()
    defaults.ackGroupingInterval = .zero  // broker state is current when a handler returns
    let bus = PulsarEventBus(configuration: testConfiguration(emulator), consumerDefaults: defaults, sleeper: sleeper,
                             observer: observer)
    do {
        try await body(BusHarness(emulator: emulator, bus: bus))
    } catch {
        await bus.shutdown(deadline: .seconds(5))
        await emulator.shutdown()
        throw error
    }
    await bus.shutdown(deadline: .seconds(5))
    await emulator.shutdown()
}

/// A topic name no other test uses (short form, as services configure them).
func uniqueTopic(_ prefix: String = "t") -> String {
    "\(prefix)-\(UUID().uuidString.prefix(12).lowercased())"
}

/// UTF-8 bytes.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

struct TestTimeout: Error {}

/// Waits until `condition` holds for the registration's counters, re-checking on every event; fails after `timeout`.
func until(_ registration: PulsarConsumerRegistration, _ what: String, timeout: Duration = .seconds(10),
           sourceLocation: SourceLocation = #_sourceLocation,
           _ condition: @escaping @Sendable (EventBusCounters) -> Bool) async throws {
    let events = registration.events()  // subscribed before the first check, so no change is missed
    if condition(registration.counters) { return }
    let met = await withTaskGroup(of: Bool.self) { group in
        group.addTask {
            for await event in events where condition(event.counters) { return true }
            return false
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
    if !met, !condition(registration.counters) {
        Issue.record("timed out after \(timeout) waiting for \(what); counters: \(registration.counters)",
                     sourceLocation: sourceLocation)
        throw TestTimeout()
    }
}

/// Polls until `condition` holds (for broker-side state, which has no event to await), failing after 10 s.
func eventually(_ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
            throw TestTimeout()
        }
        try await Task.sleep(for: .milliseconds(2))
    }
}

/// Collects what handlers saw, from any task.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    /// Appends a value.
    func append(_ value: Value) { values.withLock { $0.append(value) } }

    /// Everything appended so far, in order.
    var all: [Value] { values.withLock { $0 } }
}

/// A sleeper that records each requested delay and returns at once (backoff decisions become observable without
/// waiting them out).
final class RecordingSleeper: Sendable {
    let delays = Recorder<Duration>()

    var sleeper: EventBusSleeper {
        EventBusSleeper { [delays] duration in
            delays.append(duration)
            try Task.checkCancellation()
        }
    }
}

/// Waits for the next event of `kind` on `events` (at most 10 s).
func next(_ kind: EventBusEvent.Kind, in events: AsyncStream<EventBusEvent>,
          sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let found = await withTaskGroup(of: Bool.self) { group in
        group.addTask {
            for await event in events where event.kind == kind { return true }
            return false
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(10))
            return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
    if !found {
        Issue.record("no \(kind) event within 10 s", sourceLocation: sourceLocation)
        throw TestTimeout()
    }
}
