import Synchronization

extension TCPConnection {
    /// Bytes queued and not yet handed to the kernel.
    public var bufferedOutboundBytes: Int {
        state.withLock { $0.outbound.count }
    }

    /// Queues `bytes` without suspending, sending at once what the kernel takes. Returns false if the stream is
    /// closed, closing, or broken (a previous send failed).
    @discardableResult
    public func enqueue(_ bytes: [UInt8]) -> Bool {
        var failed: [Waiter] = []
        var error: NetError?
        let accepted = state.withLock { state -> Bool in
            let accepted = TCPConnection.enqueueLocked(&state, bytes)
            if !accepted, let writeError = state.writeError, !state.writableWaiters.isEmpty {
                error = writeError
                failed = state.writableWaiters
                state.writableWaiters = []
            }
            return accepted
        }
        if let error { failed.resumeAll(throwing: error) }
        return accepted
    }

    /// Queues `bytes`, then suspends while more than the high watermark is buffered, until the buffer has drained to
    /// the low watermark. Throws `connectionClosed` if closed, `connectionReset` if the peer is gone,
    /// `CancellationError` if cancelled while waiting (the bytes stay queued).
    public func write(_ bytes: [UInt8]) async throws {
        let outcome = state.withLock { state -> Result<Bool, NetError> in
            guard TCPConnection.enqueueLocked(&state, bytes) else {
                return .failure(state.writeError ?? NetError.closed)
            }
            return .success(state.outbound.count > state.watermarks.high)
        }
        if try outcome.get() {
            try await waitUntilWritable()
        }
    }

    /// Suspends until the outbound buffer holds no more than the low watermark (returns at once if it already does).
    /// Throws `connectionClosed` if closed, the send error if the connection broke.
    public func waitUntilWritable() async throws {
        try await suspend(install: { waiter in
            state.withLock { state -> Result<Void, any Error>? in
                if state.closed { return .failure(NetError.closed) }
                if let error = state.writeError { return .failure(error) }
                if state.outbound.count <= state.watermarks.low { return .success(()) }
                if Task.isCancelled { return .failure(CancellationError()) }
                state.writableWaiters.append(waiter)
                return nil
            }
        }, remove: { [self] id in
            state.withLock { $0.writableWaiters.remove(id: id) }
        })
    }

    /// Appends `bytes` to the outbound stream, sending directly when nothing is buffered. False if not writable.
    static func enqueueLocked(_ state: inout State, _ bytes: [UInt8]) -> Bool {
        guard !state.closed, !state.closing, state.writeError == nil else { return false }
        guard !bytes.isEmpty else { return true }
        guard state.outbound.isEmpty else {
            // Already waiting for a writable edge: a send now would only fail with EAGAIN.
            state.outbound.append(bytes)
            return true
        }
        var sent = 0
        do {
            sending: while sent < bytes.count {
                let fd = state.fd
                let result = try bytes.withUnsafeBytes { buffer in
                    try Posix.send(fd, UnsafeRawBufferPointer(rebasing: buffer[sent...]))
                }
                switch result {
                case .done(let count): sent += count
                case .wouldBlock: break sending
                }
            }
        } catch {
            state.writeError = error as? NetError ?? NetError.closed
            return false
        }
        if sent < bytes.count {
            state.outbound.append(bytes, skipping: sent)
        }
        return true
    }

    /// Sends buffered bytes until the kernel refuses more or the buffer is empty; records a send failure.
    static func flushLocked(_ state: inout State) {
        guard !state.closed, state.writeError == nil else { return }
        let fd = state.fd
        do {
            while !state.outbound.isEmpty {
                let result = try state.outbound.withFirstRun { try Posix.send(fd, $0) }
                guard case .done(let count) = result else { return }
                state.outbound.consume(count)
            }
        } catch {
            state.writeError = error as? NetError ?? NetError.closed
            state.outbound.removeAll()
        }
    }

    /// Takes the writers to resume: all of them if the buffer is at or below the low watermark or writing failed.
    static func takeWritersIfDrained(_ state: inout State) -> [Waiter] {
        guard !state.writableWaiters.isEmpty,
              state.writeError != nil || state.outbound.count <= state.watermarks.low else { return [] }
        defer { state.writableWaiters = [] }
        return state.writableWaiters
    }
}
