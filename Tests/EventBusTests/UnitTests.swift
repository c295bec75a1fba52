@testable import EventBus
import Foundation
import Testing

/// The pure parts: the scheduler, the failure plan, backoff, options.
@Suite("EventBus: scheduler, failure plan, options", .timeLimit(.minutes(1)))
struct UnitTests {
    @Test("orderly: one message held at a time")
    func orderlyScheduler() {
        var scheduler = HandlerScheduler<Int>(limit: 1)
        #expect(scheduler.hasRoom)
        #expect(scheduler.admit(1, key: "a") == 1)
        #expect(!scheduler.hasRoom)
        #expect(scheduler.finish(key: "a") == nil)
        #expect(scheduler.hasRoom && scheduler.running == 0)
    }

    @Test("concurrent: a busy key parks its next message, which starts when the key is free, in order")
    func keyedScheduler() {
        var scheduler = HandlerScheduler<String>(limit: 4)
        #expect(scheduler.admit("a1", key: "a") == "a1")
        #expect(scheduler.admit("b1", key: "b") == "b1")
        #expect(scheduler.admit("a2", key: "a") == nil)
        #expect(scheduler.admit("x", key: nil) == "x")
        #expect(!scheduler.hasRoom, "three running and one parked fill the limit")
        #expect(scheduler.running == 3 && scheduler.parkedCount == 1)
        #expect(scheduler.finish(key: "a") == "a2", "the parked message of the key starts")
        #expect(scheduler.running == 3 && scheduler.parkedCount == 0 && scheduler.hasRoom)
        #expect(scheduler.admit("a3", key: "a") == nil)
        #expect(scheduler.drainParked() == ["a3"])
        #expect(scheduler.finish(key: "a") == nil)
        #expect(scheduler.admit("a4", key: "a") == "a4", "the key is free again")
    }

    @Test("failure plan: nack without a policy; retry with growing backoff, then dead-letter")
    func failurePlan() {
        #expect(FailurePlan.decide(retries: 0, policy: nil) == .negativeAcknowledge)
        let policy = RetryPolicy(maxRetries: 3, backoff: EventBackoff(initial: .seconds(1), maximum: .seconds(3)))
        #expect(FailurePlan.decide(retries: 0, policy: policy) == .retry(attempt: 1, delay: .seconds(1)))
        #expect(FailurePlan.decide(retries: 1, policy: policy) == .retry(attempt: 2, delay: .seconds(2)))
        #expect(FailurePlan.decide(retries: 2, policy: policy) == .retry(attempt: 3, delay: .seconds(3)))
        #expect(FailurePlan.decide(retries: 3, policy: policy) == .deadLetter)
    }

    @Test("backoff grows by the multiplier up to the maximum")
    func backoff() {
        let backoff = EventBackoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 3)
        #expect((1...5).map(backoff.delay(attempt:)) == [.milliseconds(100), .milliseconds(300), .milliseconds(900),
                                                          .seconds(1), .seconds(1)])
        #expect(EventBackoff(initial: .seconds(1), maximum: .seconds(60)).delay(attempt: 1000) == .seconds(60))
    }

    @Test("defaults are Coze Studio's; options apply in order; a retry policy turns on the client's letters")
    func options() {
        let defaults = EventConsumerOptions()
        #expect(defaults.orderly && defaults.concurrency == 1)
        #expect(defaults.initialPosition == .latest)
        #expect(defaults.nackRedeliveryDelay == .seconds(60))
        #expect(defaults.retry == nil)
        #expect(defaults.ackGroupingInterval == .milliseconds(100))
        let client = defaults.clientOptions(group: "cg")
        #expect(client.subscriptionType == .exclusive)
        #expect(client.initialPosition == .latest)
        #expect(client.deadLetterPolicy == nil && !client.retryEnabled)
        let changed = defaults.applying([.orderly(false), .maxConcurrentHandlers(8), .orderly(true), .orderly(false),
                                         .retry(RetryPolicy(maxRetries: 2))])
        #expect(changed.concurrency == 8)
        let letters = changed.clientOptions(group: "cg")
        #expect(letters.retryEnabled)
        #expect(letters.deadLetterPolicy == DeadLetterPolicy(maxRedeliverCount: 2, initialSubscriptionName: "cg"))
    }

    @Test("send options: the sharding key becomes the key, an empty one none; properties merge")
    func sendOptions() {
        #expect([EventSendOption.shardingKey("42")].sendOptions.key == "42")
        #expect([EventSendOption.shardingKey("")].sendOptions.key == nil)
        let options: [EventSendOption] = [.properties(["a": "1"]), .properties(["b": "2"]), .shardingKey("k")]
        #expect(options.sendOptions == SendOptions(key: "k", properties: ["a": "1", "b": "2"]))
    }

    @Test("ShutdownSignals returns the signal that arrived, without blocking a thread")
    func shutdownSignals() async throws {
        #expect(ShutdownSignals.defaultSignals == [SIGINT, SIGTERM, SIGHUP])
        let signals = ShutdownSignals([SIGHUP])  // only SIGHUP here: the test process keeps its SIGINT / SIGTERM
        let waiter = Task { await signals.wait() }
        kill(getpid(), SIGHUP)
        let received = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await waiter.value }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        #expect(received == SIGHUP)
        #expect(await signals.wait() == SIGHUP, "a received signal stays received")
    }

    @Test("an events stream sees events in the order they were counted, also when recorded from many tasks")
    func eventsStreamKeepsCountingOrder() async {
        let monitor = RegistrationMonitor(topic: "t", group: "g", observer: nil)
        let events = monitor.events()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<250 { monitor.record(.received) } }
            }
        }
        monitor.finish()
        var seen: [Int] = []
        for await event in events where event.kind == .received { seen.append(event.counters.received) }
        #expect(seen == Array(1...2000))
    }
}
