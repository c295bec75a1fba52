import PulsarNet
import PulsarAuth
import PulsarWire

/// Emulator-only endpoints under `/pulsarkit/` (not part of Pulsar's API), for tests that drive a separate
/// emulator process:
/// ```
///  GET    /pulsarkit/clock                 {"now": <ms>, "manual": true|false}
///  POST   /pulsarkit/clock/advance?ms=N    moves a manual clock (pulsar-emulator --manual-clock) and runs due timers
///  GET    /pulsarkit/topics/{persistent|non-persistent}/{tenant}/{namespace}/{topic}
///                                          the topic's snapshot (what `PulsarEmulator.topic(_:)` returns) as JSON
/// ```
extension AdminRouter {
    func emulatorControl(_ method: String, _ path: ArraySlice<String>, query: [String: String], state: inout BrokerState,
                         outputs: inout BrokerOutputs) throws(AdminError) -> HTTPResponse {
        let clock = state.configuration.clock
        switch (method, Array(path)) {
        case ("GET", ["clock"]):
            return .json(.object([("now", .integer(clock.now())), ("manual", .bool(clock is ManualClock))]))
        case ("POST", ["clock", "advance"]):
            guard let manual = clock as? ManualClock else {
                throw AdminError(.conflict, "The emulator runs on the system clock; start it with --manual-clock")
            }
            guard let text = query["ms"], let milliseconds = Int64(text) else {
                throw AdminError(.badRequest, "Give the milliseconds to advance as ?ms=N")
            }
            manual.advance(milliseconds: milliseconds)
            state.tick(now: manual.now(), into: &outputs)
            return .json(.object([("now", .integer(manual.now())), ("manual", .bool(true))]))
        case ("GET", let parts) where parts.count >= 5 && parts[0] == "topics":
            let name = parts[1] + "://" + parts[2...].joined(separator: "/")
            guard let topic = try? TopicName(name), let snapshot = state.snapshot(of: topic) else {
                throw AdminError(.notFound, "Topic \(name) does not exist")
            }
            return .json(Self.json(snapshot))
        default:
            throw AdminError(.notFound, "No such emulator endpoint")
        }
    }
}

extension AdminRouter {
    static func json(_ topic: TopicSnapshot) -> JSONValue {
        let subscriptions: [JSONValue] = topic.subscriptions.map(json)
        let fields: [(String, JSONValue)] = [
            ("name", .string(topic.name)), ("persistent", .bool(topic.isPersistent)),
            ("storedEntries", .integer(Int64(topic.storedEntries))), ("storedMessages", .integer(Int64(topic.storedMessages))),
            ("storedBytes", .integer(Int64(topic.storedBytes))), ("messagesIn", .integer(Int64(topic.messagesIn))),
            ("messagesOut", .integer(Int64(topic.messagesOut))), ("messagesDropped", .integer(Int64(topic.messagesDropped))),
            ("producers", .array(topic.producers.map { producer in
                .object([("name", .string(producer.name)), ("ready", .bool(producer.isReady))])
            })),
            ("subscriptions", .array(subscriptions)),
        ]
        return .object(fields)
    }

    static func json(_ subscription: SubscriptionSnapshot) -> JSONValue {
        let fields: [(String, JSONValue)] = [
            ("name", .string(subscription.name)), ("type", .string(subscription.type.name ?? "?")),
            ("durable", .bool(subscription.isDurable)), ("backlog", .integer(Int64(subscription.backlog))),
            ("unacknowledged", .integer(Int64(subscription.unacknowledged))),
            ("delivered", .integer(Int64(subscription.delivered))), ("redelivered", .integer(Int64(subscription.redelivered))),
            ("delayedEntries", .integer(Int64(subscription.delayedEntries))),
            ("consumers", .integer(Int64(subscription.consumers.count))),
        ]
        return .object(fields)
    }
}
