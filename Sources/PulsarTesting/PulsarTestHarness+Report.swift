import PulsarSupport

/// What the harness says about the system: the report a failed wait carries, and what a test left behind.
extension PulsarTestHarness {
    /// The state of the system now, as a failed wait reports it:
    ///
    /// ```
    /// virtual clock: +60.000 s (next timer at +90.000 s, 3 sleeping); work in flight: 0
    /// topic persistent://public/default/orders: 2 entries (2 messages); producers: orders-producer
    ///   subscription cg (Exclusive): backlog 1, unacked 1, delivered 3, redelivered 1, delayed 0
    ///     consumer c-1: permits 999, unacked 1
    /// registration orders/cg: received 3, handled 1, failed 2, retried 0, dead-lettered 0; running 0
    /// connections: 4
    /// last frames received: conn-3 ACK @…, conn-3 FLOW @…
    /// last events: failed 3:1:-1:-1 on orders/cg: boom, …
    /// ```
    public func stateReport() -> String {
        var lines: [String] = []
        if let clock {
            let origin = options.startMilliseconds
            let next = clock.nextWakeUp.map { "next timer at +\(Self.seconds(monotonic: $0, clock)) s" } ?? "no timer"
            lines.append("virtual clock: +\(Self.seconds(milliseconds: clock.now() - origin)) s (\(next), "
                         + "\(clock.pendingSleepers) sleeping); work in flight: \(monitor.busy)")
        } else {
            lines.append("broker: \(serviceURL) (external, real time)")
        }
        if let emulator {
            for name in emulator.topicNames() {
                guard let topic = emulator.topic(name) else { continue }
                let producers = topic.producers.map(\.name).joined(separator: ", ")
                lines.append("topic \(name): \(topic.storedEntries) entries (\(topic.storedMessages) messages)"
                             + (producers.isEmpty ? "" : "; producers: \(producers)"))
                for subscription in topic.subscriptions {
                    lines.append("  subscription \(subscription.name) (\(subscription.type)): backlog \(subscription.backlog), "
                                 + "unacked \(subscription.unacknowledged), delivered \(subscription.delivered), "
                                 + "redelivered \(subscription.redelivered), delayed \(subscription.delayedEntries)")
                    for consumer in subscription.consumers {
                        lines.append("    consumer \(consumer.name): permits \(consumer.permits), unacked \(consumer.unacknowledged)")
                    }
                }
            }
            lines.append("connections: \(emulator.connections().count)")
            let frames = emulator.recentFrames().suffix(12)
            if !frames.isEmpty { lines.append("last frames received: " + frames.map(\.description).joined(separator: ", ")) }
        }
        for registration in bus.registrations {
            lines.append("registration \(registration.topic)/\(registration.group): \(registration.counters); "
                         + "running \(registration.runningHandlers)")
        }
        let events = eventLog.all.suffix(8)
        if !events.isEmpty { lines.append("last events: " + events.map(\.description).joined(separator: "; ")) }
        return lines.joined(separator: "\n")
    }

    /// What the test left behind. Teardown stops and closes all of it anyway; ``PulsarTestHarnessOptions/failOnLeftovers``
    /// turns a non-empty report into a failure.
    public func leftovers() -> PulsarTestLeftovers {
        var leftovers = PulsarTestLeftovers()
        leftovers.registrations = bus.registrations.map { "\($0.topic)/\($0.group)" }
        leftovers.producers = bus.producers.map { "\($0.topic) (\($0.name))" }
        leftovers.clients = madeClients.filter { !$0.isClosed }.count
        if let emulator {
            for name in emulator.topicNames() {
                for subscription in emulator.topic(name)?.subscriptions ?? [] where subscription.unacknowledged > 0 {
                    leftovers.unacknowledged.append("\(name) / \(subscription.name): \(subscription.unacknowledged)")
                }
            }
        }
        return leftovers
    }

    private static func seconds(milliseconds: Int64) -> String {
        let sign = milliseconds < 0 ? "-" : ""
        let magnitude = milliseconds.magnitude
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    private static func seconds(monotonic instant: PulsarInstant, _ clock: ManualClock) -> String {
        let fromNow = (instant.nanoseconds - clock.instant.nanoseconds) / 1_000_000
        return seconds(milliseconds: fromNow)
    }
}

/// What a test left behind when its harness ended.
public struct PulsarTestLeftovers: Sendable, Equatable, CustomStringConvertible {
    /// Registrations not stopped (`topic/group`).
    public var registrations: [String] = []
    /// Event producers not closed (`topic (name)`).
    public var producers: [String] = []
    /// Clients from ``PulsarTestHarness/makeClient()`` not closed.
    public var clients = 0
    /// Subscriptions holding messages delivered but not acknowledged (`topic / subscription: count`).
    public var unacknowledged: [String] = []

    /// Nothing was left behind.
    public var isEmpty: Bool { registrations.isEmpty && producers.isEmpty && clients == 0 && unacknowledged.isEmpty }

    /// One line per kind of leftover.
    public var description: String {
        if isEmpty { return "nothing left behind" }
        var lines: [String] = []
        if !registrations.isEmpty { lines.append("registrations not stopped: " + registrations.joined(separator: ", ")) }
        if !producers.isEmpty { lines.append("producers not closed: " + producers.joined(separator: ", ")) }
        if clients > 0 { lines.append("clients not closed: \(clients)") }
        if !unacknowledged.isEmpty { lines.append("unacknowledged messages: " + unacknowledged.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }
}
