import PulsarWire
import Synchronization

/// Topic discovery over the service URL: partition counts (PARTITIONED_METADATA) and which broker serves a topic
/// (LOOKUP, following redirects). The brokers of the service URL are tried in turn.
final class LookupService: Sendable {
    /// Where a topic is served: `logical` is the broker, `physical` where to connect (a proxy, or the same).
    struct Result: Equatable, Sendable {
        var logical: BrokerAddress
        var physical: BrokerAddress
    }

    private let pool: ConnectionPool
    private let brokers: Mutex<ServiceURLIterator>
    private let maxRedirects: Int
    private let listenerName: String?

    init(pool: ConnectionPool, serviceURL: ServiceURL, maxRedirects: Int, listenerName: String?) {
        self.pool = pool
        self.brokers = Mutex(ServiceURLIterator(serviceURL))
        self.maxRedirects = maxRedirects
        self.listenerName = listenerName
    }

    /// A connection to a broker of the service URL: the current one, else the next ones in turn.
    ///
    /// - Throws: the last connection error when every broker failed.
    func serviceConnection() async throws -> (Connection, BrokerAddress) {
        var lastError = PulsarClientError(.connectionFailed, "no broker in the service URL")
        let count = brokers.withLock { $0.addresses.count }
        for _ in 0..<count {
            let address = brokers.withLock { $0.current }
            do {
                let connection = try await pool.connection(to: address)
                brokers.withLock { $0.currentSucceeded() }
                return (connection, address)
            } catch let error as PulsarClientError where [.connectionFailed, .timeout, .connectionClosed].contains(error.code) {
                brokers.withLock { $0.currentFailed() }
                lastError = error
            }
        }
        throw lastError
    }

    /// The number of partitions of `topic` (0 for a non-partitioned topic).
    func partitionCount(topic: String) async throws -> Int {
        let (connection, _) = try await serviceConnection()
        let response = try await connection.request("PARTITIONED_METADATA for \(topic)") { id in
            .partitionedMetadata(CommandPartitionedTopicMetadata(topic: topic, requestId: id))
        }
        guard case .partitionedMetadataResponse(let answer) = response else {
            throw PulsarClientError(.protocolError, "expected PARTITIONED_METADATA_RESPONSE, got \(response.type)", topic: topic)
        }
        if answer.hasResponse, answer.response == .failed {
            throw PulsarClientError.server(answer.error, answer.message, topic: topic)
        }
        return Int(answer.partitions)
    }

    /// The broker serving `topic`, following up to `maxRedirects` redirects.
    func lookup(topic: String) async throws -> Result {
        var (connection, serviceAddress) = try await serviceConnection()
        var authoritative = false
        for _ in 0...maxRedirects {
            let isAuthoritative = authoritative
            let response = try await connection.request("LOOKUP for \(topic)") { id in
                .lookup(CommandLookupTopic(topic: topic, requestId: id, authoritative: isAuthoritative,
                                           advertisedListenerName: listenerName ?? ""))
            }
            guard case .lookupResponse(let answer) = response else {
                throw PulsarClientError(.protocolError, "expected LOOKUP_RESPONSE, got \(response.type)", topic: topic)
            }
            switch answer.response {
            case .failed:
                throw answer.hasError ? PulsarClientError.server(answer.error, answer.message, topic: topic)
                    : PulsarClientError(.lookupFailed, answer.message.isEmpty ? "lookup failed" : answer.message, topic: topic)
            case .connect, .redirect:
                let logical: BrokerAddress
                if answer.hasBrokerServiceUrl, !answer.brokerServiceUrl.isEmpty {
                    do {
                        logical = try BrokerAddress(url: answer.brokerServiceUrl)
                    } catch {
                        throw PulsarClientError(.lookupFailed, "unusable broker URL '\(answer.brokerServiceUrl)': \(error)", topic: topic)
                    }
                } else if answer.hasBrokerServiceUrlTls {
                    throw PulsarClientError(.lookupFailed, "the broker offers only TLS (\(answer.brokerServiceUrlTls)), which is not supported", topic: topic)
                } else {
                    logical = connection.address
                }
                let physical = answer.proxyThroughServiceUrl ? serviceAddress : logical
                if answer.response == .connect { return Result(logical: logical, physical: physical) }
                authoritative = answer.authoritative
                connection = try await pool.connection(to: logical, via: physical)
                serviceAddress = physical
            default:
                throw PulsarClientError(.protocolError, "LOOKUP_RESPONSE without a known response type", topic: topic)
            }
        }
        throw PulsarClientError(.lookupFailed, "more than \(maxRedirects) lookup redirects", topic: topic)
    }
}
