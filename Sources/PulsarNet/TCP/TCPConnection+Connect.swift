import Synchronization

extension TCPConnection {
    /// Connects to `host` ("127.0.0.1", "::1", "localhost", a name) and `port`, trying each resolved address in turn,
    /// within `timeout` overall (name resolution included: it runs on a thread of its own, never on the caller's).
    /// The socket is non-blocking, close-on-exec, with TCP_NODELAY.
    /// Throws `connectionRefused`, `timedOut`, `invalidAddress`, or another `NetError`.
    public static func connect(host: String, port: Int, timeout: Duration) async throws -> TCPConnection {
        try await connect(host: host, port: port, timeout: timeout, watermarks: .default)
    }

    /// Like `connect(host:port:timeout:)`, with the connection's backpressure watermarks.
    public static func connect(
        host: String, port: Int, timeout: Duration, watermarks: WriteWatermarks
    ) async throws -> TCPConnection {
        try await connect(host: host, port: port, timeout: timeout, watermarks: watermarks, resolver: .system)
    }

    /// Resolves `host` with `resolver` (names on a thread of their own), then connects; `timeout` covers both.
    static func connect(
        host: String, port: Int, timeout: Duration, watermarks: WriteWatermarks, resolver: HostResolver
    ) async throws -> TCPConnection {
        let deadline = ContinuousClock.now + timeout
        let addresses = try await resolver.resolve(host: host, port: port, deadline: deadline)
        var lastError: any Error = NetError(code: .invalidAddress, message: "no address for \(host)")
        for address in addresses {
            do {
                return try await connect(to: address, deadline: deadline, watermarks: watermarks, loop: .shared)
            } catch let error as NetError where error.code != .timedOut {
                lastError = error
            }
        }
        throw lastError
    }

    /// Connects to one resolved `address` within `timeout`.
    public static func connect(
        to address: SocketAddress, timeout: Duration, watermarks: WriteWatermarks = .default
    ) async throws -> TCPConnection {
        try await connect(to: address, deadline: .now + timeout, watermarks: watermarks, loop: .shared)
    }

    /// Connects on `loop`; `observeSocket` sees the new descriptor first (tests use it to check it gets released).
    static func connect(
        to address: SocketAddress, deadline: ContinuousClock.Instant, watermarks: WriteWatermarks, loop: EventLoop,
        observeSocket: (Int32) -> Void = { _ in }
    ) async throws -> TCPConnection {
        let fd = try Posix.socket(family: address.posixFamily)
        observeSocket(fd)
        let established: Bool
        let local: SocketAddress
        do {
            try Posix.setNoDelay(fd)
            established = try Posix.connect(fd, to: address)
            local = (try? Posix.localAddress(fd)) ?? SocketAddress.unspecified(like: address)
        } catch {
            Posix.close(fd)
            throw error
        }
        let connection = try TCPConnection(fd: fd, local: local, remote: address, watermarks: watermarks, loop: loop)
        if !established {
            do {
                try await connection.finishConnect(deadline: deadline)
            } catch {
                connection.close()
                throw error
            }
        }
        return connection
    }

    /// Waits for the in-progress connect to finish (writable edge, then SO_ERROR), failing at `deadline`.
    private func finishConnect(deadline: ContinuousClock.Instant) async throws {
        let timer = Task { [weak self] in
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
            } catch {
                return
            }
            self?.failConnect(NetError(code: .timedOut, syscall: "connect", message: "connect timed out"))
        }
        defer { timer.cancel() }
        while true {
            try await waitForConnectEvent()
            let status = state.withLock { state -> (error: Int32, connected: Bool)? in
                guard !state.closed else { return nil }
                let error = Posix.socketError(state.fd)
                return (error, error == 0 && (try? Posix.peerAddress(state.fd)) != nil)
            }
            guard let status else { throw NetError.closed }
            if status.error != 0 { throw NetError.syscall("connect", errno: status.error) }
            if status.connected { return }
        }
    }

    /// Suspends until a writable (or error) edge arrives, the connect is failed, or the connection closes.
    private func waitForConnectEvent() async throws {
        try await suspend(install: { waiter in
            state.withLock { state -> Result<Void, any Error>? in
                if state.closed { return .failure(NetError.closed) }
                if let failure = state.connectFailure { return .failure(failure) }
                if state.writeEventSeen {
                    state.writeEventSeen = false
                    return .success(())
                }
                if Task.isCancelled { return .failure(CancellationError()) }
                state.connectWaiter = waiter
                return nil
            }
        }, remove: { [self] id in
            state.withLock { state in
                guard let waiter = state.connectWaiter, waiter.id == id else { return nil }
                state.connectWaiter = nil
                return waiter
            }
        })
    }

    /// Fails a pending (or the next) wait for the connect to finish.
    private func failConnect(_ error: NetError) {
        let waiter = state.withLock { state -> Waiter? in
            state.connectFailure = error
            defer { state.connectWaiter = nil }
            return state.connectWaiter
        }
        waiter?.continuation.resume(throwing: error)
    }
}
