/// Runs `body` with a fresh ``PulsarTestHarness`` and always tears it down (stops the bus's registrations, letting
/// running handlers finish within 5 s, closes every client, stops the emulator), also when `body` throws.
///
/// ```swift
/// @Test func indexesAnApp() async throws {
///     try await withPulsarTestHarness { harness in
///         let indexer = SearchIndexer()
///         _ = try await harness.bus.registerConsumer(topic: "opencoze_search_app", group: "cg_search_app", handler: indexer)
///         try await harness.publish(#"{"op":"create","id":1}"#, to: "opencoze_search_app")
///         try await harness.until("indexed") { indexer.count == 1 }
///     }
/// }
/// ```
///
/// - Throws: what `body` throws; ``PulsarTestHarnessError/Code/leftovers`` when the options ask to fail on
///   leftovers and there are some; an error starting the emulator.
public func withPulsarTestHarness<T>(
    _ options: PulsarTestHarnessOptions = PulsarTestHarnessOptions(),
    _ body: (PulsarTestHarness) async throws -> T
) async throws -> T {
    let harness = try await PulsarTestHarness(options: options)
    let result: T
    do {
        result = try await body(harness)
    } catch {
        await harness.tearDown()
        throw error
    }
    let leftovers = options.failOnLeftovers ? harness.leftovers() : PulsarTestLeftovers()
    await harness.tearDown()
    if !leftovers.isEmpty {
        throw PulsarTestHarnessError(.leftovers, "the test left things behind", report: leftovers.description)
    }
    return result
}
