/// Reconnect delays: exponential (×2 per failure) from `initial` up to `maximum`, each shortened by a random jitter
/// of up to `jitter` (20 %) so that many clients cut at once do not reconnect in lockstep. The random source is
/// injected, so tests see exact delays.
struct Backoff: Sendable {
    let initial: Duration
    let maximum: Duration
    let jitter: Double
    private var current: Duration
    private var random: any RandomNumberGenerator & Sendable

    /// A backoff starting at `initial`; `random` defaults to the system generator.
    init(initial: Duration, maximum: Duration, jitter: Double = 0.2,
         random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()) {
        precondition(initial >= .zero && maximum > .zero && maximum >= initial && (0..<1).contains(jitter), "invalid backoff settings")
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
        self.current = initial
        self.random = random
    }

    /// The delay before the next attempt; doubles the following one.
    mutating func next() -> Duration {
        let base = current
        current = min(max(current * 2, .milliseconds(1)), maximum)  // from zero: at once, then 1 ms, 2 ms …
        guard jitter > 0 else { return base }
        let fraction = Double.random(in: 0..<1, using: &random) * jitter
        return base * (1 - fraction)
    }

    /// Back to `initial` (after a successful attempt).
    mutating func reset() {
        current = initial
    }
}

