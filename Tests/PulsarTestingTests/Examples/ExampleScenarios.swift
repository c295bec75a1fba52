import Foundation
import PulsarTesting
import Testing

/// The example service's end-to-end scenarios. Each runs on any harness: the in-process emulator (virtual time) or an
/// external broker (real time), except ``brokerRestartMidStream(_:)``, which restarts the in-process broker.
enum ExampleScenarios {
    /// A topic name no other run uses (an external broker keeps topics between runs).
    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// Nack delay of the examples: short, so the scenarios also run in real time against an external broker. In
    /// virtual time it makes no difference to how long a test takes.
    static let nackDelay: EventConsumerOption = .nackRedeliveryDelay(.seconds(1))

    /// The scenarios that run against any broker.
    static let portable: [(name: String, run: @Sendable (PulsarTestHarness) async throws -> Void)] = [
        ("search indexer", searchIndexer), ("knowledge fan-out", knowledgeFanOut),
        ("non-retryable and retryable errors", errorCodes), ("retries then dead letter", retriesThenDeadLetter),
        ("shutdown hands over to the next replica", shutdownHandsOver),
    ]

    /// Search events are applied in order, one key's events staying in order; each is acknowledged.
    @Sendable static func searchIndexer(_ harness: PulsarTestHarness) async throws {
        let topic = unique("opencoze_search_app")
        let index = SearchIndex()
        let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_search_app",
                                                                  handler: SearchIndexer(index: index))
        let producer = try await harness.bus.makeProducer(topic: topic, group: "search_app")
        let events = [SearchEvent(op: "create", id: 1, name: "weather bot"), SearchEvent(op: "create", id: 2, name: "todo"),
                      SearchEvent(op: "update", id: 1, name: "weather agent"), SearchEvent(op: "delete", id: 2)]
        for event in events { try await producer.send(try json(event), options: .shardingKey(String(event.id))) }
        try await harness.until("4 search events applied", timeout: .seconds(20)) { index.applied.count == 4 }
        #expect(index.applied == events)
        #expect(index.documents == [1: "weather agent"])
        let stored = try await harness.messages(of: topic)
        #expect(stored.map(\.key) == ["1", "2", "1", "2"])
        try await harness.until("4 handled and acknowledged") { harness.handled(topic: topic).count == 4 }
        #expect(harness.failed(topic: topic).isEmpty)
        await registration.stop()
        await producer.close()
    }

    /// One knowledge event fans out into per-document events, published from inside the handler, each keyed by the
    /// knowledge id (so on a partitioned topic one knowledge base stays on one partition, in order).
    @Sendable static func knowledgeFanOut(_ harness: PulsarTestHarness) async throws {
        let knowledgeTopic = unique("opencoze_knowledge")
        let side = try await DocumentSide.start(harness)
        let fanOut = KnowledgeFanOut(documents: side.producer, checkKnowledge: { _ in }, dropped: Collected())
        let knowledgeRegistration = try await harness.bus.registerConsumer(topic: knowledgeTopic, group: "cg_knowledge",
                                                                           handler: fanOut)
        try await harness.publish(try json(KnowledgeEvent(knowledgeID: 7, documentIDs: [70, 71, 72])), to: knowledgeTopic)
        try await harness.publish(try json(KnowledgeEvent(knowledgeID: 8, documentIDs: [80])), to: knowledgeTopic)
        try await harness.until("4 documents indexed", timeout: .seconds(20)) { side.indexed.count == 4 }
        #expect(side.indexed.all == [DocumentEvent(knowledgeID: 7, documentID: 70), DocumentEvent(knowledgeID: 7, documentID: 71),
                                DocumentEvent(knowledgeID: 7, documentID: 72), DocumentEvent(knowledgeID: 8, documentID: 80)])
        #expect(try await harness.messages(of: side.topic).map(\.key) == ["7", "7", "7", "8"])
        await knowledgeRegistration.stop()
        await side.stop()
    }

    /// Error code 404 is acknowledged at once (never delivered again); a 503 is negatively acknowledged and the event
    /// comes back after the nack delay until the store recovers.
    @Sendable static func errorCodes(_ harness: PulsarTestHarness) async throws {
        let knowledgeTopic = unique("opencoze_knowledge")
        let side = try await DocumentSide.start(harness)
        let outages = Collected<Int>()
        let dropped = Collected<Int>()
        let fanOut = KnowledgeFanOut(documents: side.producer, checkKnowledge: { id in
            if id == 404 { throw KnowledgeError.knowledgeNotFound(id) }
            if id == 503, outages.count < 2 {  // the store is down for the first two attempts
                outages.append(id)
                throw KnowledgeError.storageUnavailable
            }
        }, dropped: dropped)
        let registration = try await harness.bus.registerConsumer(topic: knowledgeTopic, group: "cg_knowledge",
                                                                  handler: fanOut, options: nackDelay)
        try await harness.publish(try json(KnowledgeEvent(knowledgeID: 404, documentIDs: [1])), to: knowledgeTopic)
        try await harness.publish(try json(KnowledgeEvent(knowledgeID: 503, documentIDs: [2, 3])), to: knowledgeTopic)
        try await harness.until("the 503 event indexed after two outages", timeout: .seconds(30), advancingTime: true) {
            side.indexed.count == 2
        }
        #expect(dropped.all == [404])
        #expect(side.indexed.all.map(\.documentID) == [2, 3])
        #expect(harness.failed(topic: knowledgeTopic).count == 2)  // the two outages, not the 404
        #expect(harness.handled(topic: knowledgeTopic).count == 2)  // the 404 (dropped) and the 503 at last
        // Each failure brought the event back once; the 404 never came back. (An Exclusive subscription's nack
        // redelivers every unacknowledged message, so count per message id.)
        #expect(Set(harness.redelivered(topic: knowledgeTopic).compactMap(\.messageID)).count == 1)
        await registration.stop()
        await side.stop()
    }

    /// A poison event fails every attempt: retried with backoff, then published to `<topic>-<group>-DLQ`; the events
    /// after it are handled.
    @Sendable static func retriesThenDeadLetter(_ harness: PulsarTestHarness) async throws {
        let topic = unique("opencoze_search_app")
        let index = SearchIndex()
        let policy = RetryPolicy(maxRetries: 2, backoff: EventBackoff(initial: .milliseconds(100), maximum: .seconds(1)))
        let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_search_app",
                                                                  handler: SearchIndexer(index: index), options: .retry(policy))
        try await harness.publish("not json", to: topic)
        try await harness.publish(try json(SearchEvent(op: "create", id: 5, name: "ok")), to: topic)
        try await harness.until("the poison event dead-lettered and the next one applied", timeout: .seconds(30),
                                advancingTime: true) {
            registration.counters.deadLettered == 1 && index.applied.count == 1
        }
        #expect(registration.counters.retried == 2)
        #expect(try await harness.texts(of: "\(topic)-cg_search_app-DLQ") == ["not json"])
        #expect(index.documents == [5: "ok"])
        await registration.stop()
    }

    /// Stopping a replica lets its running handler finish and acknowledge; what it received but did not handle is
    /// left for the next replica. Nothing is lost, nothing is handled twice.
    @Sendable static func shutdownHandsOver(_ harness: PulsarTestHarness) async throws {
        let topic = unique("opencoze_knowledge_document")
        let firstReplica = Collected<String>()
        let entered = Collected<String>()
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let first = try await harness.bus.registerConsumer(topic: topic, group: "cg_document") { message in
            entered.append(message.string)
            if message.string == "m3" { for await _ in gate { break } }  // m3 is in flight when the replica stops
            firstReplica.append(message.string)
        }
        let producer = try await harness.bus.makeProducer(topic: topic, group: "documents")
        // One send per event: each is an entry of its own. (The six bodies of one batchSend share one batch entry,
        // and a broker without batch-index acknowledgements delivers a partly acknowledged batch again whole.)
        for index in 1...6 { try await producer.send(Array("m\(index)".utf8)) }
        try await harness.until("m3 in flight", timeout: .seconds(20)) { entered.all.contains("m3") }
        let stopping = Task { await first.stop(deadline: .seconds(20)) }
        try await harness.until("the replica stopping", timeout: .seconds(20)) {
            !harness.events(.stopping, topic: topic).isEmpty
        }
        open.yield()
        await stopping.value
        #expect(firstReplica.all == ["m1", "m2", "m3"])
        let secondReplica = Collected<String>()
        let second = try await harness.bus.registerConsumer(topic: topic, group: "cg_document") { message in
            secondReplica.append(message.string)
        }
        try await harness.until("the rest handled by the next replica", timeout: .seconds(20)) { secondReplica.count == 3 }
        #expect(secondReplica.all == ["m4", "m5", "m6"])
        #expect(harness.events(.abandoned, topic: topic).count == first.counters.abandoned)
        await second.stop()
        await producer.close()
    }

    /// The broker restarts while events are being sent and handled: every event is stored and handled, in order of
    /// first handling; an event is handled again only when the broker stored it twice (a resend after the lost
    /// receipt) or delivered it again (an acknowledgement lost with the connection).
    @Sendable static func brokerRestartMidStream(_ harness: PulsarTestHarness) async throws {
        let topic = unique("opencoze_search_app")
        let index = SearchIndex()
        _ = try await harness.bus.registerConsumer(topic: topic, group: "cg_search_app", handler: SearchIndexer(index: index))
        let producer = try await harness.bus.makeProducer(topic: topic, group: "search_app")
        let events = (1...20).map { SearchEvent(op: "create", id: $0, name: "app \($0)") }
        let sending = Task {
            for event in events { try await producer.send(try json(event), options: .shardingKey("apps")) }
        }
        // Restart once the stream is flowing: sends, deliveries and acknowledgements are in flight.
        try await harness.until("5 events applied", timeout: .seconds(20)) { index.applied.count >= 5 }
        try await harness.restartBroker()
        try await sending.value
        try await harness.until("all 20 applied", timeout: .seconds(20)) { Set(index.applied.map(\.id)).count == 20 }
        try await harness.settle()
        var firstSeen: [Int] = []
        for event in index.applied where !firstSeen.contains(event.id) { firstSeen.append(event.id) }
        #expect(firstSeen == Array(1...20))
        let stored = try await harness.messages(of: topic)
        #expect(Set(stored.map { try? JSONDecoder().decode(SearchEvent.self, from: Data($0.payload)).id }) == Set(1...20))
        #expect(index.applied.count == stored.count + harness.redelivered(topic: topic).count)
        await producer.close()
    }
}

/// The document side of the knowledge scenarios: a document topic, its indexer registered (before anything is
/// published: a new subscription starts at the latest message) and the producer the knowledge handler publishes with.
struct DocumentSide {
    let topic: String
    let indexed: Collected<DocumentEvent>
    let registration: PulsarConsumerRegistration
    let producer: PulsarEventProducer

    static func start(_ harness: PulsarTestHarness) async throws -> DocumentSide {
        let topic = ExampleScenarios.unique("opencoze_knowledge_document")
        let indexed = Collected<DocumentEvent>()
        let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_document",
                                                                  handler: DocumentIndexer(indexed: indexed))
        let producer = try await harness.bus.makeProducer(topic: topic, group: "knowledge_document")
        return DocumentSide(topic: topic, indexed: indexed, registration: registration, producer: producer)
    }

    func stop() async {
        await registration.stop()
        await producer.close()
    }
}
