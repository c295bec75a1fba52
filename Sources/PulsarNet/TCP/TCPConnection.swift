import Synchronization

/// A connected, non-blocking TCP socket driven by the shared event loop.
///
/// All mutable state lives behind one `Mutex`; continuations are resumed after it is released. Reads try the system
/// call first and suspend only when it would block. Writes go to the kernel at once from the caller's thread; what the
/// kernel does not take is buffered and flushed by the event loop when the socket becomes writable.
public final class TCPConnection: ByteStream, EventHandler {
    /// Largest buffer a single read allocates.
    static let maxReadChunk = 256 * 1024
    /// Smallest buffer a single read allocates.
    static let minReadChunk = 2048

    struct State {
        /// The descriptor; -1 once released. When `closed` and still >= 0, an in-flight read will release it.
        var fd: Int32
        var closed = false
        /// `closeAfterFlush()` was called: no new bytes, close when the buffer is empty.
        var closing = false
        var registrationID: UInt64 = 0
        var watermarks: WriteWatermarks

        var readInFlight = false
        /// A readable edge arrived since the reader last started a system call.
        var readable = true
        /// The last read drained the socket (short read, EAGAIN or EOF).
        var drained = false
        /// A hang-up or error was reported. Sticky: a short read does not consume a pending end of stream or error,
        /// and no further edge will announce it, so reads always try the system call from then on.
        var hangup = false
        var readSize = 16 * 1024
        var readWaiter: Waiter?

        var outbound = ByteQueue()
        /// A send failed (peer reset, broken pipe); the stream can no longer write.
        var writeError: NetError?
        var writableWaiters: [Waiter] = []

        /// A writable edge arrived since the connector last checked.
        var writeEventSeen = false
        var connectFailure: NetError?
        var connectWaiter: Waiter?
        /// While closing after a flush, the connection keeps itself alive: its owner may drop it at once, and the
        /// queued bytes must still reach the peer.
        var lingering: TCPConnection?
    }

    /// What `close` must do once the lock is released.
    struct CloseWork {
        var fd: Int32 = -1
        var registrationID: UInt64 = 0
        var reader: Waiter?
        var connector: Waiter?
        var writers: [Waiter] = []
        /// Graceful close: send FIN after the queued bytes before releasing the descriptor.
        var shutdownFirst = false
        /// The connection's hold on itself while it lingered, released after the lock (its deinit takes the lock).
        var lingering: TCPConnection?

        func finish(loop: EventLoop) {
            if registrationID != 0 { loop.deregister(id: registrationID) }
            if fd >= 0 {
                if shutdownFirst { Posix.shutdownWrite(fd) }
                Posix.close(fd)
            }
            reader?.continuation.resume()
            connector?.continuation.resume(throwing: NetError.closed)
            writers.resumeAll(throwing: NetError.closed)
        }
    }

    let state: Mutex<State>
    let loop: EventLoop

    /// The local endpoint.
    public let localAddress: SocketAddress
    /// The remote endpoint.
    public let remoteAddress: SocketAddress

    /// Wraps a connected (or connecting) non-blocking socket and registers it with `loop`.
    /// On failure the descriptor is closed.
    init(fd: Int32, local: SocketAddress, remote: SocketAddress, watermarks: WriteWatermarks, loop: EventLoop) throws {
        state = Mutex(State(fd: fd, watermarks: watermarks))
        self.loop = loop
        localAddress = local
        remoteAddress = remote
        let id = try loop.register(fd: fd, handler: self, writable: true)
        state.withLock { $0.registrationID = id }
    }

    deinit {
        let (fd, id) = state.withLock { ($0.fd, $0.registrationID) }
        if id != 0 { loop.deregister(id: id) }
        if fd >= 0 { Posix.close(fd) }
    }

    /// The local endpoint, e.g. "127.0.0.1:54321".
    public var localDescription: String { localAddress.description }
    /// The remote endpoint, e.g. "127.0.0.1:6650".
    public var remoteDescription: String { remoteAddress.description }

    /// The backpressure limits of this connection; may be changed at any time.
    public var watermarks: WriteWatermarks {
        get { state.withLock { $0.watermarks } }
        set {
            let ready = state.withLock { state -> [Waiter] in
                state.watermarks = newValue
                return TCPConnection.takeWritersIfDrained(&state)
            }
            ready.resumeAll()
        }
    }

    /// A read is suspended waiting for data (for tests).
    var hasPendingRead: Bool {
        state.withLock { $0.readWaiter != nil }
    }

    /// The number of writers suspended by backpressure (for tests).
    var pendingWriterCount: Int {
        state.withLock { $0.writableWaiters.count }
    }

    /// The descriptor, or -1 once closed (for tests).
    var fileDescriptor: Int32 {
        state.withLock { $0.closed ? -1 : $0.fd }
    }

    // MARK: Reading

    /// Reads between 1 and `maxLength` bytes; nil at end of stream or once closed locally.
    /// Throws `connectionReset` if the peer reset the connection, `CancellationError` if cancelled while waiting.
    public func read(maxLength: Int) async throws -> [UInt8]? {
        precondition(maxLength > 0, "maxLength must be positive")
        while true {
            let start = state.withLock { state -> (fd: Int32, size: Int)? in
                if state.closed { return (-1, 0) }
                if state.drained && !state.readable && !state.hangup { return nil }
                state.readable = false
                state.readInFlight = true
                return (state.fd, min(maxLength, state.readSize))
            }
            guard let start else {
                try await waitReadable()
                continue
            }
            if start.fd < 0 { return nil }

            var outcome: Result<IOResult<Int>, NetError> = .success(.wouldBlock)
            let bytes = [UInt8](unsafeUninitializedCapacity: start.size) { buffer, initialized in
                do {
                    let result = try Posix.read(start.fd, into: UnsafeMutableRawBufferPointer(buffer))
                    outcome = .success(result)
                    if case .done(let count) = result { initialized = count } else { initialized = 0 }
                } catch {
                    outcome = .failure(error as? NetError ?? NetError.closed)
                    initialized = 0
                }
            }

            let (deferredClose, closed) = state.withLock { state -> (Int32, Bool) in
                state.readInFlight = false
                switch outcome {
                case .success(.done(let count)) where count == start.size:
                    state.drained = false
                    state.readSize = min(state.readSize * 2, TCPConnection.maxReadChunk)
                case .success(.done(let count)):
                    state.drained = true
                    if count > 0 && count < start.size / 4 {
                        state.readSize = max(state.readSize / 2, TCPConnection.minReadChunk)
                    }
                default:
                    state.drained = true
                }
                guard state.closed, state.fd >= 0 else { return (-1, state.closed) }
                defer { state.fd = -1 }
                return (state.fd, true)
            }
            if deferredClose >= 0 { Posix.close(deferredClose) }

            switch outcome {
            case .failure where closed: return nil
            case .success(.done(0)): return nil
            case .success(.done): return bytes
            case .success(.wouldBlock): continue
            case .failure(let error): throw error
            }
        }
    }

    /// Suspends until a readable edge arrives (or the stream closes).
    private func waitReadable() async throws {
        try await suspend(install: { waiter in
            state.withLock { state -> Result<Void, any Error>? in
                if state.closed || state.readable { return .success(()) }
                if Task.isCancelled { return .failure(CancellationError()) }
                precondition(state.readWaiter == nil, "TCPConnection: only one read at a time")
                state.readWaiter = waiter
                return nil
            }
        }, remove: { [self] id in
            state.withLock { state in
                guard let waiter = state.readWaiter, waiter.id == id else { return nil }
                state.readWaiter = nil
                return waiter
            }
        })
    }

    // MARK: Closing

    /// Closes both directions now: pending and later reads return nil, pending and later writes throw
    /// `connectionClosed`, unsent buffered bytes are dropped. Idempotent.
    public func close() {
        let work = state.withLock { TCPConnection.closeLocked(&$0) }
        work.finish(loop: loop)
    }

    /// Closes with a TCP RST ("connection reset by peer" on the other side), dropping anything unsent: what a fault
    /// proxy's `reset_peer` does. Idempotent.
    public func reset() {
        let fd = state.withLock { $0.closed ? -1 : $0.fd }
        if fd >= 0 { Posix.setLingerZero(fd) }
        close()
    }

    /// How long ``closeAfterFlush()`` waits for a peer to take the queued bytes before closing anyway.
    public static let lingerTimeout: Duration = .seconds(30)

    /// Accepts no new bytes, and closes once the outbound buffer has been handed to the kernel. Idempotent.
    ///
    /// The connection stays alive until then even if its owner drops it at once (as a server does after the last
    /// answer on a `Connection: close` request), and closes anyway after ``lingerTimeout`` if the peer stops reading.
    public func closeAfterFlush() {
        var startedLingering = false
        let work = state.withLock { state -> CloseWork? in
            guard !state.closed else { return nil }
            if state.outbound.isEmpty || state.writeError != nil {
                return TCPConnection.closeLocked(&state, graceful: true)
            }
            if !state.closing {
                state.closing = true
                state.lingering = self
                startedLingering = true
            }
            return nil
        }
        work?.finish(loop: loop)
        if startedLingering {
            Task { [weak self] in
                try? await Task.sleep(for: TCPConnection.lingerTimeout)
                self?.close()
            }
        }
    }

    /// Marks the state closed and collects what must be released and resumed after unlocking.
    static func closeLocked(_ state: inout State, graceful: Bool = false) -> CloseWork {
        guard !state.closed else { return CloseWork() }
        state.closed = true
        var work = CloseWork()
        work.shutdownFirst = graceful
        work.lingering = state.lingering
        state.lingering = nil
        work.registrationID = state.registrationID
        state.registrationID = 0
        if !state.readInFlight {
            work.fd = state.fd
            state.fd = -1
        }
        work.reader = state.readWaiter
        state.readWaiter = nil
        work.connector = state.connectWaiter
        state.connectWaiter = nil
        work.writers = state.writableWaiters
        state.writableWaiters = []
        state.outbound.removeAll()
        return work
    }

    // MARK: Events

    /// Readiness from the event loop: wakes the reader, flushes the outbound buffer, wakes writers and the connector.
    func handle(_ events: IOEvents) {
        var reader: Waiter?
        var connector: Waiter?
        var writers: [Waiter] = []
        var failure: NetError?
        var closeWork: CloseWork?
        state.withLock { state in
            guard !state.closed else { return }
            if !events.isDisjoint(with: [.hangup, .error]) { state.hangup = true }
            if !events.isDisjoint(with: [.readable, .hangup, .error]) {
                state.readable = true
                reader = state.readWaiter
                state.readWaiter = nil
            }
            if !events.isDisjoint(with: [.writable, .hangup, .error]) {
                state.writeEventSeen = true
                connector = state.connectWaiter
                state.connectWaiter = nil
                if !state.outbound.isEmpty { TCPConnection.flushLocked(&state) }
                failure = state.writeError
                writers = TCPConnection.takeWritersIfDrained(&state)
                if state.closing && (state.outbound.isEmpty || state.writeError != nil) {
                    closeWork = TCPConnection.closeLocked(&state, graceful: true)
                }
            }
        }
        reader?.continuation.resume()
        connector?.continuation.resume()
        if let failure { writers.resumeAll(throwing: failure) } else { writers.resumeAll() }
        closeWork?.finish(loop: loop)
    }
}
