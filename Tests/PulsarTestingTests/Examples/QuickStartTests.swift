import PulsarTesting
import Testing

/// The README's quick start, verbatim (with the example service's SearchIndex and SearchIndexer as "MyService").
@Test func indexesAnApp() async throws {
    try await withPulsarTestHarness { harness in             // emulator, bus and clients; always torn down
        let index = SearchIndex()
        _ = try await harness.bus.registerConsumer(topic: "opencoze_search_app", group: "cg_search_app",
                                                   handler: SearchIndexer(index: index))    // register, then publish
        try await harness.publish(#"{"op":"create","id":1,"name":"Demo"}"#, to: "opencoze_search_app")
        try await harness.until("app 1 is indexed") { index.documents[1] == "Demo" }
    }
}
