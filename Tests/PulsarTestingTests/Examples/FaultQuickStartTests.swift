import PulsarTesting
import Testing

/// The README's fault test, verbatim: the broker restarts, then refuses a SEND; the event is indexed once.
@Test func survivesARefusedSendAndABrokerRestart() async throws {
    try await withPulsarTestHarness { harness in
        let index = SearchIndex()
        _ = try await harness.bus.registerConsumer(topic: "opencoze_search_app", group: "cg_search_app",
                                                   handler: SearchIndexer(index: index))
        let producer = try await harness.bus.makeProducer(topic: "opencoze_search_app", group: "cg_search_app")
        let emulator = try #require(harness.emulator)
        try await harness.restartBroker()                          // every connection dropped, every message kept
        try emulator.failNext(.send, with: .serviceNotReady)      // SEND_ERROR: the client reconnects and sends again
        try await producer.send(Array(#"{"op":"create","id":1,"name":"Demo"}"#.utf8))
        try await harness.until("app 1 is indexed") { index.documents[1] == "Demo" }
        #expect(emulator.faultReport.failedRequests[.send] == 1)
        #expect(index.applied.count == 1)
    }
}
