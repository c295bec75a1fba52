@testable import PulsarClient
import PulsarWire
import Testing

@Suite("Backoff and service URL iteration", .timeLimit(.minutes(1)))
struct BackoffTests {
    @Test func doublesUpToTheMaximumAndResets() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(500), jitter: 0)
        #expect((0..<5).map { _ in backoff.next() } == [.milliseconds(100), .milliseconds(200), .milliseconds(400),
                                                          .milliseconds(500), .milliseconds(500)])
        backoff.reset()
        #expect(backoff.next() == .milliseconds(100))
    }

    @Test func fromZeroTheFirstAttemptIsImmediateThenOneMillisecondDoubling() {
        var backoff = Backoff(initial: .zero, maximum: .milliseconds(3), jitter: 0)
        #expect((0..<4).map { _ in backoff.next() } == [.zero, .milliseconds(1), .milliseconds(2), .milliseconds(3)])
        backoff.reset()
        #expect(backoff.next() == .zero)
    }

    @Test func jitterShortensDelaysWithinItsFractionAndIsReproducible() {
        var first = Backoff(initial: .seconds(1), maximum: .seconds(60), random: SeededRandom(seed: 42))
        var second = Backoff(initial: .seconds(1), maximum: .seconds(60), random: SeededRandom(seed: 42))
        var base = Duration.seconds(1)
        for _ in 0..<8 {
            let delay = first.next()
            #expect(delay == second.next())
            #expect(delay <= base && delay >= base * 0.8)
            base = min(base * 2, .seconds(60))
        }
    }

    @Test func serviceURLsParse() throws {
        let list = try ServiceURL("pulsar://a.example:6651, b.example ,[::1]:7000/")
        #expect(list.addresses == [BrokerAddress(host: "a.example", port: 6651), BrokerAddress(host: "b.example", port: 6650),
                                   BrokerAddress(host: "::1", port: 7000)])
        #expect(list.description == "pulsar://a.example:6651,b.example:6650,[::1]:7000")
        for bad in ["http://x:1", "pulsar+ssl://x:6651", "pulsar://", "pulsar://x:0", "pulsar://x:99999", "pulsar://::1:5"] {
            #expect(#expect(throws: PulsarClientError.self) { try ServiceURL(bad) }?.code == .invalidConfiguration, "\(bad)")
        }
    }

    @Test func brokersAreTriedInTurn() throws {
        var iterator = ServiceURLIterator(try ServiceURL("pulsar://a:1,b:2"))
        #expect(iterator.current.host == "a")
        iterator.currentFailed()
        #expect(iterator.current.host == "b" && !iterator.hasTriedAll)
        iterator.currentFailed()
        #expect(iterator.current.host == "a" && iterator.hasTriedAll)
        iterator.currentSucceeded()
        #expect(!iterator.hasTriedAll)
    }

    @Test func topicNamesAreCompleted() throws {
        #expect(try TopicName(validating: "orders").description == "persistent://public/default/orders")
        #expect(try TopicName(validating: "t/ns/orders").description == "persistent://t/ns/orders")
        #expect(try TopicName(validating: "non-persistent://t/ns/x").description == "non-persistent://t/ns/x")
        // The broker's rules: tenant and namespace characters are checked, and a name is not trimmed.
        for bad in ["", "a/b", "ftp://t/ns/x", "persistent://t/x", "persistent://t t/ns/x", " t/ns/x"] {
            let error = #expect(throws: PulsarClientError.self) { try TopicName(validating: bad) }
            #expect(error?.code == .invalidTopicName, "\(bad)")
            #expect(error?.message.hasPrefix("Invalid topic name '\(bad)'") == true, "\(error?.message ?? "")")
        }
    }
}
