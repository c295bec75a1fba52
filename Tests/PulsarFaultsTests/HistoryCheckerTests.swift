import Testing
import PulsarFaults

/// The checker against histories that keep each promise and histories that break it.
@Suite("History checker")
struct HistoryCheckerTests {
    private typealias Ref = History.MessageRef

    private func ref(_ producer: String, _ number: Int) -> Ref { Ref(producer: producer, number: number) }

    /// Sends `numbers` from `producer`, all acknowledged.
    private func sent(_ history: inout History, _ producer: String, _ numbers: [Int], key: (Int) -> String? = { _ in nil }) {
        for number in numbers {
            history.record(.send(ref(producer, number), key: key(number)))
            history.record(.sendCompleted(ref(producer, number), .acknowledged))
        }
    }

    private func deliver(_ history: inout History, _ producer: String, _ numbers: [Int], to subscription: String = "s",
                         redelivered: Bool = false) {
        for number in numbers {
            history.record(.delivered(ref(producer, number), subscription: subscription, consumer: "c", redelivered: redelivered))
        }
    }

    @Test("a clean run is valid, and its counts add up")
    func clean() {
        var history = History()
        history.expectSubscription("s", order: .perProducer)
        sent(&history, "p", [0, 1, 2])
        deliver(&history, "p", [0, 1, 2])
        for number in 0..<3 { history.record(.acknowledged(ref("p", number), subscription: "s")) }
        let check = HistoryChecker.check(history)
        #expect(check.isValid)
        #expect(check.sends == 3 && check.acknowledgedSends == 3 && check.deliveries == 3 && check.duplicates == 0)
    }

    @Test("an acknowledged send that never arrives is lost, on every subscription that missed it")
    func lost() {
        var history = History()
        history.expectSubscription("a", order: .perProducer)
        history.expectSubscription("b", order: .none)
        sent(&history, "p", [0, 1])
        deliver(&history, "p", [0, 1], to: "a")
        deliver(&history, "p", [1], to: "b")
        #expect(HistoryChecker.check(history).violations == [.lost(ref("p", 0), subscription: "b")])
    }

    @Test("a failed or unfinished send may be missing; one delivered anyway is counted, not flagged")
    func failedSendsMayGoEitherWay() {
        var history = History()
        history.expectSubscription("s", order: .perProducer)
        history.record(.send(ref("p", 0), key: nil))
        history.record(.sendCompleted(ref("p", 0), .failed))
        history.record(.send(ref("p", 1), key: nil))
        history.record(.sendCompleted(ref("p", 1), .failed))
        history.record(.send(ref("p", 2), key: nil))
        deliver(&history, "p", [1])
        let check = HistoryChecker.check(history)
        #expect(check.isValid)
        #expect(check.failedSends == 2 && check.unfinishedSends == 1 && check.failedButDelivered == 1)
    }

    @Test("a message nobody sent is invented")
    func invented() {
        var history = History()
        sent(&history, "p", [0])
        deliver(&history, "p", [0])
        deliver(&history, "ghost", [7])
        #expect(HistoryChecker.check(history).violations == [.invented(ref("ghost", 7), subscription: "s")])
    }

    @Test("a first delivery behind a later send breaks per-producer order")
    func outOfOrder() {
        var history = History()
        history.expectSubscription("s", order: .perProducer)
        sent(&history, "p", [0, 1, 2])
        deliver(&history, "p", [0, 2, 1])
        #expect(HistoryChecker.check(history).violations == [.outOfOrder(ref("p", 1), after: ref("p", 2), subscription: "s")])
    }

    @Test("redeliveries go back in the stream without breaking order: repeats are duplicates, flagged ones exempt")
    func redeliveryIsNotDisorder() {
        var history = History()
        history.expectSubscription("s", order: .perProducer)
        sent(&history, "p", [0, 1, 2, 3])
        deliver(&history, "p", [0, 1, 2])
        deliver(&history, "p", [1, 2], redelivered: true)   // a nack or a reconnect rewinds
        deliver(&history, "p", [3])
        let check = HistoryChecker.check(history)
        #expect(check.isValid)
        #expect(check.duplicates == 2 && check.redeliveries == 2)

        var flagged = History()
        flagged.expectSubscription("s", order: .perProducer)
        sent(&flagged, "p", [0, 1])
        deliver(&flagged, "p", [1])
        deliver(&flagged, "p", [0], redelivered: true)   // its first copy went to a consumer that died unrecorded
        #expect(HistoryChecker.check(flagged).isValid)
    }

    @Test("order is per producer: two producers interleave freely")
    func producersInterleave() {
        var history = History()
        history.expectSubscription("s", order: .perProducer)
        sent(&history, "a", [0, 1])
        sent(&history, "b", [0, 1])
        history.record(.delivered(ref("b", 0), subscription: "s", consumer: "c", redelivered: false))
        history.record(.delivered(ref("a", 0), subscription: "s", consumer: "c", redelivered: false))
        history.record(.delivered(ref("b", 1), subscription: "s", consumer: "c", redelivered: false))
        history.record(.delivered(ref("a", 1), subscription: "s", consumer: "c", redelivered: false))
        #expect(HistoryChecker.check(history).isValid)
    }

    @Test("Key_Shared promises order per key only; Shared promises none")
    func keysAndShared() {
        var history = History()
        history.expectSubscription("keyed", order: .perKey)
        history.expectSubscription("shared", order: .none)
        sent(&history, "p", [0, 1, 2, 3]) { $0 % 2 == 0 ? "even" : "odd" }
        deliver(&history, "p", [1, 0, 3, 2], to: "keyed")   // keys interleave: fine
        deliver(&history, "p", [3, 2, 1, 0], to: "shared")
        #expect(HistoryChecker.check(history).isValid)

        var broken = History()
        broken.expectSubscription("keyed", order: .perKey)
        sent(&broken, "p", [0, 1, 2, 3]) { $0 % 2 == 0 ? "even" : "odd" }
        deliver(&broken, "p", [2, 1, 0, 3], to: "keyed")
        #expect(HistoryChecker.check(broken).violations == [.outOfOrder(ref("p", 0), after: ref("p", 2), subscription: "keyed")])
    }

    @Test("an ack for a message the subscription never received is flagged")
    func ackWithoutDelivery() {
        var history = History()
        sent(&history, "p", [0])
        history.record(.acknowledged(ref("p", 0), subscription: "s"))
        #expect(HistoryChecker.check(history).violations == [.acknowledgedWithoutDelivery(ref("p", 0), subscription: "s")])
    }

    @Test("the recorder is shared across tasks and its description names each violation")
    func recorderAndDescription() async {
        let recorder = HistoryRecorder()
        recorder.expectSubscription("s", order: .perProducer)
        await withTaskGroup(of: Void.self) { group in
            for producer in ["a", "b"] {
                group.addTask {
                    for number in 0..<50 {
                        recorder.send(History.MessageRef(producer: producer, number: number))
                        recorder.sendCompleted(History.MessageRef(producer: producer, number: number), .acknowledged)
                    }
                }
            }
        }
        recorder.delivered(ref("a", 0), subscription: "s")
        let check = HistoryChecker.check(recorder.snapshot)
        #expect(check.sends == 100)
        #expect(check.violations.count == 99)
        #expect(check.description.contains("lost: b#49 was acknowledged to its sender and never reached s"))
    }
}
