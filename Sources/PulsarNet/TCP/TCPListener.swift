#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A listening TCP socket on the shared event loop. Accepted connections are non-blocking, close-on-exec,
/// with TCP_NODELAY.
public final class TCPListener: Sendable, EventHandler {
    private struct State {
        /// The descriptor; -1 once closed. `accept` runs under the lock, so closing never races it.
        var fd: Int32
        var registrationID: UInt64 = 0
        /// A readable edge arrived since the last accept attempt started.
        var readable = true
        var waiters: [Waiter] = []
    }

    private let state: Mutex<State>
    private let loop: EventLoop
    /// The watermarks given to accepted connections.
    public let connectionWatermarks: WriteWatermarks
    /// The bound address, with the real port when bound to port 0.
    public let localAddress: SocketAddress

    /// Binds to `host` ("127.0.0.1", "::1", "0.0.0.0", "::", "localhost": its first resolved address) and `port`
    /// (0 picks a free port) with SO_REUSEADDR, and starts listening. A name is resolved on the calling thread: async
    /// code resolves it first with `SocketAddress.resolve(host:port:timeout:)` and calls `bind(address:)`.
    public static func bind(host: String, port: Int, backlog: Int32 = 256) throws -> TCPListener {
        try bind(host: host, port: port, backlog: backlog, connectionWatermarks: .default)
    }

    /// Like `bind(host:port:backlog:)`, giving accepted connections `connectionWatermarks`.
    public static func bind(
        host: String, port: Int, backlog: Int32 = 256, connectionWatermarks: WriteWatermarks
    ) throws -> TCPListener {
        let addresses = try SocketAddress.resolve(host: host, port: port)
        return try bind(address: addresses[0], backlog: backlog, watermarks: connectionWatermarks, loop: .shared)
    }

    /// Binds to `address` (port 0 picks a free port) with SO_REUSEADDR, and starts listening; accepted connections
    /// get `connectionWatermarks`.
    public static func bind(
        address: SocketAddress, backlog: Int32 = 256, connectionWatermarks: WriteWatermarks = .default
    ) throws -> TCPListener {
        try bind(address: address, backlog: backlog, watermarks: connectionWatermarks, loop: .shared)
    }

    static func bind(
        address: SocketAddress, backlog: Int32, watermarks: WriteWatermarks, loop: EventLoop
    ) throws -> TCPListener {
        let fd = try Posix.socket(family: address.posixFamily)
        let bound: SocketAddress
        do {
            try Posix.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            try Posix.bind(fd, to: address)
            try Posix.listen(fd, backlog: backlog)
            bound = try Posix.localAddress(fd)
        } catch {
            Posix.close(fd)
            throw error
        }
        return try TCPListener(fd: fd, address: bound, watermarks: watermarks, loop: loop)
    }

    private init(fd: Int32, address: SocketAddress, watermarks: WriteWatermarks, loop: EventLoop) throws {
        state = Mutex(State(fd: fd))
        self.loop = loop
        localAddress = address
        connectionWatermarks = watermarks
        let id = try loop.register(fd: fd, handler: self, writable: false)
        state.withLock { $0.registrationID = id }
    }

    deinit {
        let (fd, id) = state.withLock { ($0.fd, $0.registrationID) }
        if id != 0 { loop.deregister(id: id) }
        if fd >= 0 { Posix.close(fd) }
    }

    /// The descriptor, or -1 once closed (for tests).
    var fileDescriptor: Int32 {
        state.withLock { $0.fd }
    }

    /// The number of `accept` calls suspended waiting for a connection (for tests).
    var pendingAcceptCount: Int {
        state.withLock { $0.waiters.count }
    }

    /// Waits for and returns the next connection; nil once the listener is closed. Several tasks may accept at once.
    ///
    /// Running out of resources (descriptors: EMFILE, ENFILE; kernel memory: ENOBUFS, ENOMEM) does not end accepting:
    /// like Go's `net/http` server, `accept` reports the first error of a streak to `onResourceExhausted`, backs off
    /// (5 ms, doubling to 100 ms) and tries again, so the listener serves new clients as soon as the flood has passed. With edge-triggered
    /// readiness no new edge would announce the connections still queued, so each retry calls accept regardless.
    /// Throws `CancellationError` if cancelled while waiting, or a `NetError` the listener cannot recover from.
    public func accept(onResourceExhausted: (NetError) -> Void = { _ in }) async throws -> TCPConnection? {
        var backoff = Duration.milliseconds(5)
        var reported = false
        while true {
            let result: IOResult<Int32>?
            do {
                result = try state.withLock { state -> IOResult<Int32>? in
                    guard state.fd >= 0 else { return nil }
                    state.readable = false
                    return try Posix.accept(state.fd)
                }
            } catch let error as NetError where error.isResourceExhaustion {
                if !reported { onResourceExhausted(error) }
                reported = true
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .milliseconds(100))
                continue
            }
            backoff = .milliseconds(5)
            switch result {
            case nil:
                return nil
            case .wouldBlock?:
                try await waitAcceptable()
            case .done(let fd)?:
                do {
                    try Posix.setNoDelay(fd)
                } catch {
                    // The peer is already gone (reset before we got to it); skip it.
                    Posix.close(fd)
                    continue
                }
                let local = (try? Posix.localAddress(fd)) ?? localAddress
                let remote = (try? Posix.peerAddress(fd)) ?? SocketAddress.unspecified(like: localAddress)
                return try TCPConnection(
                    fd: fd, local: local, remote: remote, watermarks: connectionWatermarks, loop: loop)
            }
        }
    }

    /// Stops listening and releases the port; pending and later `accept` calls return nil. Idempotent.
    public func close() {
        let (fd, id, waiters) = state.withLock { state -> (Int32, UInt64, [Waiter]) in
            defer {
                state.fd = -1
                state.registrationID = 0
                state.waiters = []
            }
            return (state.fd, state.registrationID, state.waiters)
        }
        if id != 0 { loop.deregister(id: id) }
        if fd >= 0 { Posix.close(fd) }
        waiters.resumeAll()
    }

    /// Suspends until a connection may be pending (or the listener closes).
    private func waitAcceptable() async throws {
        try await suspend(install: { waiter in
            state.withLock { state -> Result<Void, any Error>? in
                if state.fd < 0 || state.readable { return .success(()) }
                if Task.isCancelled { return .failure(CancellationError()) }
                state.waiters.append(waiter)
                return nil
            }
        }, remove: { [self] id in
            state.withLock { $0.waiters.remove(id: id) }
        })
    }

    /// Readiness from the event loop: wakes every waiting acceptor to try again.
    func handle(_ events: IOEvents) {
        let waiters = state.withLock { state -> [Waiter] in
            state.readable = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.resumeAll()
    }
}
