import Foundation
import PulsarClient
import PulsarEmulator
import PulsarNet
import Testing

/// The brokers behaviour tests run against: the in-process emulator and pulsar-lite (an independent broker).
enum BrokerKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case emulator
    case pulsarLite

    var testDescription: String { rawValue }
}

/// A running broker and how to reach it.
struct TestBroker: Sendable {
    let kind: BrokerKind
    let serviceURL: String
    let connector: Connector
    /// The emulator, for introspection (nil for pulsar-lite).
    let emulator: PulsarEmulator?

    /// A client of this broker; tests adjust the configuration with `configure`.
    func client(_ configure: (inout ClientConfiguration) -> Void = { _ in }) throws -> PulsarClient {
        var configuration = ClientConfiguration(serviceURL: serviceURL)
        configuration.connector = connector
        configuration.operationTimeout = .seconds(10)
        configuration.logger = ProcessInfo.processInfo.environment["PULSARKIT_CLIENT_LOG"] == "debug"
            ? PulsarLogger(level: .debug) { level, line in print("[client \(level)] \(line)") } : .silent
        configure(&configuration)
        return try PulsarClient(configuration: configuration)
    }

    /// Skips the rest of the test on pulsar-lite, printing why (features it does not implement).
    func skip(onPulsarLite reason: String, _ test: String = #function) throws {
        guard kind == .pulsarLite else { return }
        print("SKIPPED on pulsar-lite: \(test): \(reason)")
        try Test.cancel("pulsar-lite: \(reason)")
    }
}

/// Runs `body` against a fresh broker of `kind` and stops it afterwards. The emulator runs in-process and is reached
/// over in-memory streams (no port) unless `tcp` is set; pulsar-lite runs as a child process on a loopback port.
func withBroker<T: Sendable>(
    _ kind: BrokerKind, tcp: Bool = false, emulatorConfiguration: EmulatorConfiguration = EmulatorConfiguration(),
    liteSettings: [String: String] = [:], _ body: (TestBroker) async throws -> T
) async throws -> T {
    switch kind {
    case .emulator:
        let emulator = try await PulsarEmulator.start(emulatorConfiguration)
        let connector = tcp ? Connector.tcp : Connector { _, _ in emulator.connectInMemory() }
        let broker = TestBroker(kind: kind, serviceURL: emulator.serviceURL, connector: connector, emulator: emulator)
        do {
            let result = try await body(broker)
            await emulator.shutdown()
            return result
        } catch {
            await emulator.shutdown()
            throw error
        }
    case .pulsarLite:
        let (binary, reason) = PulsarLiteProcess.binary()
        guard let binary else {
            print("SKIPPED on pulsar-lite: \(reason)")
            try Test.cancel("pulsar-lite unavailable: \(reason)")
        }
        let lite = try await PulsarLiteProcess(binary: binary, settings: liteSettings)
        let broker = TestBroker(kind: kind, serviceURL: lite.serviceURL, connector: .tcp, emulator: nil)
        do {
            let result = try await body(broker)
            await lite.stop()
            return result
        } catch {
            await lite.stop()
            throw error
        }
    }
}

/// A topic name no other test uses.
func uniqueTopic(_ prefix: String = "t") -> String {
    "persistent://public/default/\(prefix)-\(UUID().uuidString.prefix(12).lowercased())"
}

/// UTF-8 bytes.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Receives `count` messages, failing if one does not arrive within `timeout`.
///
/// pulsar-lite 0.2.0 sometimes dispatches an entry several times to the same consumer without a redelivery (same
/// id, redelivery count 0) when entries arrive back to back; with `dropping` set to its broker, such repeats of an id
/// already received are dropped (and counted in a printed note) so the test still checks order and completeness.
func receive(_ count: Int, from consumer: Consumer, timeout: Duration = .seconds(10), acknowledge: Bool = true,
             dropping broker: TestBroker? = nil) async throws -> [Message] {
    var messages: [Message] = []
    var seen = Set<MessageID>()
    var repeats = 0
    while messages.count < count {
        guard let message = try await consumer.receive(timeout: timeout) else {
            Issue.record("message \(messages.count) of \(count) did not arrive within \(timeout)")
            throw TestTimeout()
        }
        if acknowledge { try consumer.acknowledge(message) }
        if broker?.kind == .pulsarLite, message.redeliveryCount == 0, !seen.insert(message.messageID).inserted {
            repeats += 1
            continue
        }
        messages.append(message)
    }
    if repeats > 0 { print("NOTE pulsar-lite dispatched \(repeats) message(s) twice without a redelivery; ignored") }
    return messages
}

struct TestTimeout: Error {}

/// Asserts that nothing arrives within `window`. Only for an absence no event can prove (a timer that must not fire):
/// `window` must be long enough that what it rules out would surely have arrived by then on a loaded machine.
func expectNothing(from consumer: Consumer, within window: Duration) async throws {
    let message = try await consumer.receive(timeout: window)
    #expect(message == nil, "unexpected \(String(describing: message))")
}

/// Proves that nothing more is due on `consumer` without waiting out a silence: sends a marker message to `topic` and
/// expects it to be the next message (a broker dispatches a subscription in order, so whatever is still due comes
/// first). On pulsar-lite, repeats of the ids in `received` (its duplicate dispatches, see `receive`) are skipped.
func expectMarkerNext(on consumer: Consumer, topic: String, client: PulsarClient, broker: TestBroker,
                      received: [Message] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let producer = try await client.makeProducer(topic: topic)
    try await producer.send(bytes("marker"))
    await producer.close()
    let repeatable = broker.kind == .pulsarLite ? Set(received.map(\.messageID)) : []
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline, let message = try await consumer.receive(timeout: deadline - .now) {
        try consumer.acknowledge(message)
        if message.redeliveryCount == 0, repeatable.contains(message.messageID) { continue }
        #expect(message.string == "marker", "\(message) (\(message.string)) came before the marker",
                sourceLocation: sourceLocation)
        return
    }
    Issue.record("the marker did not arrive within 10 s", sourceLocation: sourceLocation)
    throw TestTimeout()
}

/// Polls until `condition` holds (for broker-side state that has no event to await), failing after `limit`.
func eventually(_ what: @autoclosure () -> String, within limit: Duration = .seconds(10),
                sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool) async throws {
    guard await poll(within: limit, condition) else {
        Issue.record("timed out after \(limit) waiting for \(what())", sourceLocation: sourceLocation)
        throw TestTimeout()
    }
}

/// Polls until `condition` holds or `limit` of real time passes; returns whether it held.
func poll(within limit: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline, (try? await Task.sleep(for: .milliseconds(1))) != nil else { return false }
    }
    return true
}
