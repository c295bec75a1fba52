import Foundation
import PulsarTesting
import Synchronization
import Testing

/// Collects values from handlers on any task.
final class Collected<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
    var count: Int { values.withLock { $0.count } }
}

@Suite("PulsarTestHarness: an in-process Pulsar on one virtual clock", .timeLimit(.minutes(1)))
struct HarnessTests {
    @Test("a handler sees a published message; after settle() the broker holds the acknowledgement")
    func handlesAndSettles() async throws {
        try await withPulsarTestHarness { harness in
            let seen = Collected<String>()
            let registration = try await harness.bus.registerConsumer(topic: "orders", group: "cg") { message in
                seen.append(message.string)
            }
            try await harness.publish("one", to: "orders", key: "k")
            try await harness.until("the handler saw the message") { seen.count == 1 }
            try await harness.settle()
            let subscription = try #require(harness.emulator?.subscription("cg", topic: "orders"))
            #expect(subscription.backlog == 0)
            #expect(subscription.unacknowledged == 0)
            #expect(harness.handled(topic: "orders").count == 1)
            #expect(seen.all == ["one"])
            await registration.stop()
        }
    }

    @Test("a nacked message comes back after the 60 s nack delay under runUntilIdle, and virtual time says so")
    func nackRedeliveryUnderRunUntilIdle() async throws {
        try await withPulsarTestHarness { harness in
            // An Exclusive subscription's redelivery count stays 0 (the broker tracks it for Shared and Key_Shared
            // only), so the handler counts its own attempts.
            let attempts = Collected<String>()
            _ = try await harness.bus.registerConsumer(topic: "nacks", group: "cg") { message in
                attempts.append(message.string)
                if attempts.count == 1 { throw CocoaError(.featureUnsupported) }
            }
            let clock = try #require(harness.clock)
            try await harness.publish("x", to: "nacks")
            try await harness.settle()
            #expect(attempts.all == ["x"])
            let start = clock.instant
            let elapsed = try await harness.runUntilIdle()
            #expect(attempts.all == ["x", "x"])
            #expect(harness.redelivered(topic: "nacks").count == 1)
            #expect(harness.failed(topic: "nacks").count == 1)
            #expect(harness.handled(topic: "nacks").count == 1)
            // The redelivery needed the whole nack delay of virtual time, and nothing ran after it.
            #expect(elapsed >= .seconds(60))
            #expect(clock.instant.nanoseconds - start.nanoseconds >= 60_000_000_000)
            #expect(harness.emulator?.subscription("cg", topic: "nacks")?.unacknowledged == 0)
        }
    }

    @Test("until(advancingTime:) reaches a condition that needs a timer to fire")
    func untilAdvancingTime() async throws {
        try await withPulsarTestHarness { harness in
            let attempts = Collected<UInt64>()
            let clock = try #require(harness.clock)
            _ = try await harness.bus.registerConsumer(topic: "adv", group: "cg") { _ in
                attempts.append(UInt64(clock.now()))
                if attempts.count < 3 { throw CocoaError(.featureUnsupported) }
            }
            try await harness.publish("x", to: "adv")
            try await harness.until("the third attempt", advancingTime: true) { attempts.count == 3 }
            // Each attempt came one nack delay (60 s of virtual time) after the one before.
            let times = attempts.all
            #expect(times[1] - times[0] == 60_000)
            #expect(times[2] - times[1] == 60_000)
        }
    }

    @Test("a wait that gives up throws a report of the broker's state")
    func timeoutCarriesAStateReport() async throws {
        try await withPulsarTestHarness { harness in
            _ = try await harness.bus.registerConsumer(topic: "stuck", group: "cg") { _ in throw CocoaError(.featureUnsupported) }
            try await harness.publish("x", to: "stuck")
            let error = try await #require(throws: PulsarTestHarnessError.self) {
                try await harness.until("a handled message", timeout: .milliseconds(300)) { !harness.handled().isEmpty }
            }
            #expect(error.code == .timedOut)
            let report = error.description
            #expect(report.contains("gave up waiting for a handled message"))
            #expect(report.contains("topic persistent://public/default/stuck: 1 entries"))
            #expect(report.contains("subscription cg (exclusive)") || report.contains("subscription cg (Exclusive)"))
            #expect(report.contains("unacked 1"))
            #expect(report.contains("registration stuck/cg"))
            #expect(report.contains("last frames received:"))
            #expect(report.contains("SEND"))
            #expect(report.contains("virtual clock: +0.000 s"))
        }
    }

    @Test("a client over TCP (another process or language would use serviceURL) reaches the harness's bus")
    func tcpClientsReachTheHarness() async throws {
        try await withPulsarTestHarness { harness in
            #expect(harness.serviceURL.hasPrefix("pulsar://127.0.0.1:"))
            let seen = Collected<String>()
            _ = try await harness.bus.registerConsumer(topic: "over-tcp", group: "cg") { seen.append($0.string) }
            var configuration = ClientConfiguration(serviceURL: harness.serviceURL)
            configuration.logger = .silent
            let client = try PulsarClient(configuration: configuration)
            let producer = try await client.makeProducer(topic: "over-tcp")
            _ = try await producer.send(Array("from tcp".utf8))
            try await harness.until("handled", timeout: .seconds(20)) { seen.count == 1 }
            #expect(seen.all == ["from tcp"])
            await client.close()
        }
    }
}
