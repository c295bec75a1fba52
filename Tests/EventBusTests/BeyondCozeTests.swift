@testable import EventBus
import PulsarEmulator
import Foundation
import Synchronization
import Testing

/// What the event bus adds to Coze Studio's behaviour, as options with safe defaults.
@Suite("EventBus: beyond Coze", .timeLimit(.minutes(2)))
struct BeyondCozeTests {
    @Test("bounded retries with backoff through <topic>-<group>-RETRY, then <topic>-<group>-DLQ")
    func retriesThenDeadLetter() async throws {
        let sleeper = RecordingSleeper()
        try await withBus(sleeper: sleeper.sleeper) { harness in
            let topic = uniqueTopic("poison")
            let policy = RetryPolicy(maxRetries: 2, backoff: EventBackoff(initial: .milliseconds(10), maximum: .seconds(1)))
            let attempts = Recorder<EventMessage>()
            let registration = try await harness.bus.registerConsumer(
                topic: topic, group: "cg_poison", options: .retry(policy)
            ) { message in
                attempts.append(message)
                throw HandlerFailure()
            }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_poison")
            try await producer.send(bytes("poison"), options: .shardingKey("k"))
            try await until(registration, "the message dead-lettered") { $0.deadLettered == 1 }
            let counters = registration.counters
            #expect(counters.failed == 3)
            #expect(counters.retried == 2)
            #expect(counters.handled == 0)
            #expect(attempts.all.map(\.redeliveryCount) == [0, 1, 2])
            #expect(attempts.all.allSatisfy { $0.topic == topic && $0.string == "poison" && $0.key == "k" })
            #expect(sleeper.delays.all == [.milliseconds(10), .milliseconds(20)], "backoff before each retry")
            // The dead letter is kept for the group's subscription on the DLQ topic, with Pulsar's properties.
            let client = try harness.client()
            var options = ConsumerOptions()
            options.initialPosition = .earliest
            let dead = try await client.subscribe(topic: "\(topic)-cg_poison-DLQ", subscription: "cg_poison", options: options)
            let letter = try #require(try await dead.receive(timeout: .seconds(10)))
            #expect(letter.string == "poison")
            #expect(letter.key == "k")
            #expect(letter.properties["RECONSUMETIMES"] == "3")
            #expect(letter.properties["REAL_TOPIC"] == harness.qualified(topic))
            await client.close()
            try await eventually("the original and its retries acknowledged") {
                harness.subscription("cg_poison", topic: topic).map { $0.backlog == 0 && $0.unacknowledged == 0 } == true
                    && harness.subscription("cg_poison", topic: "\(topic)-cg_poison-RETRY")?.backlog == 0
            }
        }
    }

    @Test("a message that succeeds on a retry is handled once and not dead-lettered")
    func retryThenSuccess() async throws {
        let sleeper = RecordingSleeper()
        try await withBus(sleeper: sleeper.sleeper) { harness in
            let topic = uniqueTopic("flaky")
            let calls = Atomic(0)
            let registration = try await harness.bus.registerConsumer(
                topic: topic, group: "cg_flaky", options: .retry(RetryPolicy(maxRetries: 3))
            ) { _ in
                if calls.add(1, ordering: .sequentiallyConsistent).newValue < 3 { throw HandlerFailure() }
            }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_flaky")
            try await producer.send(bytes("flaky"), options: [])
            try await until(registration, "the message handled") { $0.handled == 1 }
            #expect(registration.counters.retried == 2)
            #expect(registration.counters.deadLettered == 0)
            #expect(sleeper.delays.all == [.seconds(1), .seconds(2)], "the default backoff: 1 s doubling")
        }
    }

    @Test("receive errors back off (growing delays) instead of a hot loop, then receiving resumes")
    func receiveErrorBackoff() async throws {
        let sleeper = RecordingSleeper()
        try await withBus(sleeper: sleeper.sleeper) { harness in
            let topic = uniqueTopic("flakyreceive")
            let failuresLeft = Atomic(3)
            var options = EventConsumerOptions()
            options.receiveInterceptor = { receive in
                if failuresLeft.subtract(1, ordering: .sequentiallyConsistent).oldValue > 0 {
                    throw PulsarClientError(.connectionFailed, "injected receive failure")
                }
                return try await receive()
            }
            let handled = Recorder<String>()
            let bus = PulsarEventBus(configuration: harness.bus.configuration, consumerDefaults: options,
                                     sleeper: sleeper.sleeper)
            let registration = try await bus.registerConsumer(topic: topic, group: "cg_receive") { message in
                handled.append(message.string)
            }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_receive")
            try await producer.send(bytes("after the failures"), options: [])
            try await until(registration, "the message handled") { $0.handled == 1 }
            #expect(sleeper.delays.all == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
            #expect(handled.all == ["after the failures"])
            await bus.shutdown(deadline: .seconds(5))
        }
    }

    @Test("orderly false: several handlers at once, never two of one key, each key in order")
    func concurrentByKey() async throws {
        try await withBus { harness in
            let topic = uniqueTopic("concurrent")
            // a0 waits at the gate until a second handler runs: a1 if keys were ignored (an overlap), else b0, which
            // can only run at the same time as a0 if handlers run concurrently.
            let gate = Gate(opensAt: 2)
            let busyKeys = Mutex<Set<String>>([])
            let overlaps = Atomic(0)
            let running = Atomic(0)
            let maxRunning = Atomic(0)
            let seen = Recorder<String>()
            let registration = try await harness.bus.registerConsumer(
                topic: topic, group: "cg_concurrent", options: .orderly(false), .maxConcurrentHandlers(4)
            ) { message in
                let key = message.key ?? ""
                if !busyKeys.withLock({ $0.insert(key).inserted }) { overlaps.add(1, ordering: .sequentiallyConsistent) }
                let now = running.add(1, ordering: .sequentiallyConsistent).newValue
                _ = maxRunning.max(now, ordering: .sequentiallyConsistent)
                try await gate.arrive()
                for _ in 0..<3 { await Task.yield() }
                seen.append(message.string)
                running.subtract(1, ordering: .sequentiallyConsistent)
                _ = busyKeys.withLock { $0.remove(key) }
            }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_concurrent")
            var bodies: [String: [String]] = [:]
            for key in ["a", "b", "c", "d"] {
                for round in 0..<3 {
                    bodies[key, default: []].append("\(key)\(round)")
                    try await producer.send(bytes("\(key)\(round)"), options: .shardingKey(key))
                }
            }
            try await until(registration, "12 messages handled") { $0.handled == 12 }
            let overlapCount = overlaps.load(ordering: .sequentiallyConsistent)
            let mostRunning = maxRunning.load(ordering: .sequentiallyConsistent)
            #expect(overlapCount == 0, "a key was handled twice at once")
            #expect((2...4).contains(mostRunning), "\(mostRunning) handlers ran at once")
            for key in ["a", "b", "c", "d"] {
                #expect(seen.all.filter { $0.hasPrefix(key) } == bodies[key], "order of key \(key)")
            }
        }
    }

    @Test("stop lets a running handler finish, then closes without acknowledging what it did not handle")
    func stopFinishesInFlight() async throws {
        try await withBus { harness in
            let topic = uniqueTopic("drain")
            let release = Gate(opensAt: 2)
            let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_drain") { _ in
                try await release.arrive()
            }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_drain")
            // Three entries (a batchSend would store one batched entry, redelivered whole once not fully acknowledged).
            for body in ["one", "two", "three"] { try await producer.send(bytes(body), options: []) }
            try await until(registration, "the first handler to run") { _ in registration.runningHandlers == 1 }
            let events = registration.events()
            async let stopped: Void = registration.stop(deadline: .seconds(10))
            try await next(.stopping, in: events)
            try await release.arrive()  // the running handler finishes while stop waits for it
            await stopped
            #expect(registration.counters.handled == 1)
            #expect(registration.counters.abandoned == 0)
            let subscription = try #require(harness.subscription("cg_drain", topic: topic))
            #expect(subscription.consumers.isEmpty, "the consumer was closed")
            #expect(subscription.backlog == 2, "the two messages it never handled are left for the next consumer")
            // The next consumer of the group gets them.
            let next = try await harness.bus.registerConsumer(topic: topic, group: "cg_drain") { _ in }
            try await until(next, "the two left messages handled") { $0.handled == 2 }
        }
    }

    @Test("past the deadline stop cancels the handler; its message is neither acknowledged nor negatively acknowledged")
    func stopCancelsLateHandler() async throws {
        try await withBus { harness in
            let topic = uniqueTopic("cancel")
            let sawCancellation = Atomic(false)
            let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_cancel") { _ in
                do {
                    try await Task.sleep(for: .seconds(3600))
                } catch {
                    sawCancellation.store(Task.isCancelled, ordering: .sequentiallyConsistent)
                    throw error
                }
            }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_cancel")
            try await producer.send(bytes("slow"), options: [])
            try await until(registration, "the handler to run") { _ in registration.runningHandlers == 1 }
            await registration.stop(deadline: .milliseconds(50))
            let cancelled = sawCancellation.load(ordering: .sequentiallyConsistent)
            #expect(cancelled, "the handler's task was cancelled")
            #expect(registration.counters.abandoned == 1)
            #expect(registration.counters.failed == 0)
            #expect(registration.counters.retried == 0)
            #expect(registration.runningHandlers == 0)
            #expect(harness.subscription("cg_cancel", topic: topic)?.backlog == 1)
            let seen = Recorder<String>()
            let next = try await harness.bus.registerConsumer(topic: topic, group: "cg_cancel") { message in
                seen.append(message.string)
            }
            try await until(next, "the message handled by the next consumer") { $0.handled == 1 }
            #expect(seen.all == ["slow"])
        }
    }

    @Test("events reach the observer and the events stream; the stream ends when the registration stops")
    func observation() async throws {
        let observed = Recorder<EventBusEvent>()
        try await withBus(observer: { observed.append($0) }) { harness in
            let topic = uniqueTopic("observed")
            let registration = try await harness.bus.registerConsumer(
                topic: topic, group: "cg_observed", options: .nackRedeliveryDelay(.milliseconds(10))
            ) { message in
                if message.string == "bad", observed.all.filter({ $0.kind == .failed }).isEmpty { throw HandlerFailure() }
            }
            let stream = registration.events()
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_observed")
            try await producer.send(bytes("good"), options: [])
            try await producer.send(bytes("bad"), options: [])
            try await until(registration, "both handled") { $0.handled == 2 }
            await registration.stop(deadline: .seconds(5))
            var kinds: [EventBusEvent.Kind] = []
            for await event in stream { kinds.append(event.kind) }
            #expect(kinds == [.received, .started, .handled, .received, .started, .failed, .retried,
                              .received, .started, .handled, .stopping, .stopped])
            #expect(observed.all.map(\.kind) == kinds)
            let failed = try #require(observed.all.first { $0.kind == .failed })
            #expect(failed.error == "handler failure")
            #expect(failed.topic == topic && failed.group == "cg_observed")
            #expect(observed.all.last?.counters == registration.counters)
            #expect(registration.counters == {
                var expected = EventBusCounters()
                expected.received = 3; expected.handled = 2; expected.failed = 1; expected.retried = 1
                return expected
            }())
        }
    }
}

extension BeyondCozeTests {
    @Test("shutdown(on:) waits for the signal, then stops every registration and closes every producer")
    func shutdownOnSignal() async throws {
        try await withBus { harness in
            let topic = uniqueTopic("signal")
            let signals = ShutdownSignals([SIGHUP])
            let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_signal") { _ in }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_signal")
            let events = registration.events()
            let shutdown = Task { await harness.bus.shutdown(on: signals, deadline: .seconds(5)) }
            kill(getpid(), SIGHUP)
            try await next(.stopped, in: events)
            #expect(await shutdown.value == SIGHUP)
            #expect(harness.subscription("cg_signal", topic: topic)?.consumers.isEmpty == true)
            await #expect(throws: EventBusError.self) { try await producer.send(bytes("late"), options: []) }
        }
    }
}

/// Suspends callers until `opensAt` of them have arrived, then lets every caller (then and later) through.
final class Gate: Sendable {
    private struct State {
        var arrived = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let opensAt: Int
    private let state = Mutex(State())

    init(opensAt: Int) { self.opensAt = opensAt }

    /// Arrives and waits for the gate to open (at most 10 s: a gate that never opens fails the test).
    func arrive() async throws {
        let ready = Mutex(false)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let open = self.state.withLock { state -> Bool in
                        state.arrived += 1
                        if state.arrived >= self.opensAt { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if open {
                        let waiters = self.state.withLock { state in
                            defer { state.waiters = [] }
                            return state.waiters
                        }
                        for waiter in waiters { waiter.resume() }
                        continuation.resume()
                    }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return false
            }
            let opened = try await group.next() ?? false
            ready.withLock { $0 = opened }
            if !opened {
                Issue.record("the gate did not open: \(self.state.withLock { $0.arrived }) of \(self.opensAt) arrived")
                self.openForTimeout()
            }
            group.cancelAll()
        }
        if !ready.withLock({ $0 }) { throw TestTimeout() }
    }

    private func openForTimeout() {
        let waiters = state.withLock { state in
            state.arrived = opensAt
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
