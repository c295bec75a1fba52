import PulsarNet
import Synchronization

/// One connection per broker: concurrent requests for the same broker share one connection attempt, and a closed
/// connection is forgotten so the next request opens a new one.
final class ConnectionPool: Sendable {
    private struct Key: Hashable {
        var logical: BrokerAddress
        var physical: BrokerAddress
    }

    private enum Entry {
        case connecting(Task<Connection, any Error>)
        case ready(Connection)
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var closed = false
    }

    private let state = Mutex(State())
    private let connector: Connector
    private let timeout: Duration
    private let settings: @Sendable (_ proxyToBroker: String?) -> Connection.Settings
    private let timer: ClientTimer

    init(connector: Connector, timeout: Duration, timer: ClientTimer,
         settings: @escaping @Sendable (_ proxyToBroker: String?) -> Connection.Settings) {
        self.connector = connector
        self.timeout = timeout
        self.timer = timer
        self.settings = settings
    }

    /// The connection to `logical`, reached at `physical` (the same unless through a proxy), opened if needed.
    func connection(to logical: BrokerAddress, via physical: BrokerAddress? = nil) async throws -> Connection {
        let key = Key(logical: logical, physical: physical ?? logical)
        let entry = try state.withLock { state -> Entry in
            guard !state.closed else { throw PulsarClientError.closed("the client") }
            // A connection that has closed but whose close callback has not yet run is never handed out: a producer
            // or consumer reconnecting at once (no backoff) would fail on it and wait out a backoff for nothing.
            if let existing = state.entries[key] {
                guard case .ready(let connection) = existing, connection.closeError != nil else { return existing }
            }
            let task = Task { try await self.open(key) }
            state.entries[key] = .connecting(task)
            return .connecting(task)
        }
        switch entry {
        case .ready(let connection): return connection
        case .connecting(let task): return try await task.value
        }
    }

    private func open(_ key: Key) async throws -> Connection {
        do {
            let stream: any ByteStream
            do {
                stream = try await connector.open(key.physical, timeout)
            } catch let error as PulsarClientError {
                throw error
            } catch {
                throw PulsarClientError(.connectionFailed, "cannot connect to \(key.physical): \(error)")
            }
            let proxied = key.physical != key.logical ? key.logical.url : nil
            let connection = Connection(address: key.logical, stream: stream, settings: settings(proxied), timer: timer)
            connection.onClose { [weak self] closed in self?.forget(closed, key: key) }
            timer.register(connection)
            connection.startReading()
            do {
                try await connection.handshake()
            } catch {
                let failure = error as? PulsarClientError ?? PulsarClientError(.connectionFailed, "\(error)")
                connection.close(failure)
                throw failure.code == .connectionClosed
                    ? PulsarClientError(.connectionFailed, "handshake with \(key.physical) failed: \(failure.message)") : failure
            }
            let accepted = state.withLock { state -> Bool in
                guard !state.closed else { return false }
                state.entries[key] = .ready(connection)
                return true
            }
            guard accepted else {
                connection.close(PulsarClientError.closed("the client"))
                throw PulsarClientError.closed("the client")
            }
            return connection
        } catch {
            state.withLock { state in
                if case .connecting? = state.entries[key] { state.entries[key] = nil }
            }
            throw error
        }
    }

    private func forget(_ connection: Connection, key: Key) {
        timer.unregister(connection)
        state.withLock { state in
            if case .ready(let current)? = state.entries[key], current === connection { state.entries[key] = nil }
        }
    }

    /// Every open connection.
    var connections: [Connection] {
        state.withLock { state in
            state.entries.values.compactMap { if case .ready(let connection) = $0 { connection } else { nil } }
        }
    }

    /// Closes every connection and refuses new ones.
    func close() {
        let open = state.withLock { state -> [Connection] in
            state.closed = true
            defer { state.entries = [:] }
            return state.entries.values.compactMap { entry in
                if case .ready(let connection) = entry { return connection }
                if case .connecting(let task) = entry { task.cancel() }
                return nil
            }
        }
        for connection in open { connection.close(PulsarClientError.closed("the client")) }
    }
}
