import PulsarSupport

/// Work a test harness waits for (``ClientCore/runCounted(_:)``: a reconnect, a dead-letter hand-off) stops counting
/// while it waits for the broker's answer. The bytes on their way are counted by the streams that carry them; an
/// answer that never comes (a stalled handshake, a lost reply) leaves nothing in flight, so the harness moves its
/// virtual clock to the timeout that ends the wait instead of waiting for it for ever.
enum CountedWork {
    /// The monitor the current task's work is counted on, inside ``ClientCore/runCounted(_:)``.
    @TaskLocal static var monitor: ActivityMonitor?

    /// Runs `body`, a wait for the broker, without counting the current task's work while it waits.
    static func awaitingBroker<T>(_ body: () async throws -> T) async throws -> T {
        guard let monitor else { return try await body() }
        monitor.end()
        defer { monitor.begin() }
        return try await body()
    }
}
