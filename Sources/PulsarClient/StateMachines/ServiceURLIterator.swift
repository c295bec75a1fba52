/// The brokers of a service URL tried in turn: the current one until it fails, then the next, wrapping around.
/// `hasTriedAll` tells when a whole round failed (the caller then backs off before the next round).
struct ServiceURLIterator: Sendable {
    let addresses: [BrokerAddress]
    private var index = 0
    private var failuresInRound = 0

    /// An iterator over the brokers of `serviceURL`, starting with the first.
    init(_ serviceURL: ServiceURL) {
        addresses = serviceURL.addresses
    }

    /// The broker to use now.
    var current: BrokerAddress { addresses[index] }

    /// The current broker failed: move to the next one.
    mutating func currentFailed() {
        index = (index + 1) % addresses.count
        failuresInRound += 1
    }

    /// The current broker worked: the round starts over.
    mutating func currentSucceeded() {
        failuresInRound = 0
    }

    /// Every broker failed since the last success (or the start).
    var hasTriedAll: Bool { failuresInRound >= addresses.count }

    /// Starts a new round after a backoff.
    mutating func startNewRound() {
        failuresInRound = 0
    }
}
