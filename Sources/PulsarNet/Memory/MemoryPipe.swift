import PulsarSupport
import Synchronization

/// One direction of an in-memory duplex: bytes written by one end, read by the other.
///
/// It models a TCP connection: the first `limit` queued bytes count as handed to the peer (the "kernel buffers");
/// anything beyond is the sender's outbound buffer, subject to its watermarks.
final class MemoryPipe: Sendable {
    private struct State {
        var queue = ByteQueue()
        /// The sender closed: the reader gets the remaining bytes, then end of stream.
        var senderClosed = false
        /// The receiver closed: its reads end, sends fail with `connectionReset`.
        var receiverClosed = false
        var watermarks: WriteWatermarks
        var readWaiter: Waiter?
        var writableWaiters: [Waiter] = []
        /// The reader took bytes and has not come back for more: it is still working on them.
        var readerHolding = false
        /// The reader has been told the stream ended.
        var endOfStreamDelivered = false
        /// What `activity` was last told: queued bytes, or a reader still working on what it took.
        var countedBusy = false

        /// Unread bytes, an end of stream the reader has not seen yet, or a reader still working on the last bytes it
        /// took.
        var isBusy: Bool {
            readerHolding || (!receiverClosed && (!queue.isEmpty || (senderClosed && !endOfStreamDelivered)))
        }
    }

    private enum ReadStep {
        case data([UInt8])
        case endOfStream
        case wait
    }

    /// Bytes the peer can hold before the rest counts as the sender's outbound buffer.
    let limit: Int
    private let state: Mutex<State>
    /// Told when the pipe turns busy (bytes queued, or the reader working on bytes it took) and idle again.
    private let activity: ActivityMonitor?

    /// A pipe whose receiver holds up to `limit` bytes, reporting busy and idle to `activity` if given.
    init(limit: Int, watermarks: WriteWatermarks, activity: ActivityMonitor? = nil) {
        self.limit = limit
        self.activity = activity
        state = Mutex(State(watermarks: watermarks))
    }

    /// Tells `activity` when the pipe's busy state flipped. Called under the lock, so the monitor sees the flips in
    /// order (the monitor's lock is a leaf: it never calls back).
    private func reportActivity(_ state: inout State) {
        guard let activity, state.isBusy != state.countedBusy else { return }
        state.countedBusy.toggle()
        if state.countedBusy { activity.begin() } else { activity.end() }
    }

    private static let reset = NetError(code: .connectionReset, message: "the peer closed the in-memory stream")

    // MARK: Sender side

    /// The sender's backpressure limits.
    var watermarks: WriteWatermarks {
        get { state.withLock { $0.watermarks } }
        set {
            let ready = state.withLock { state -> [Waiter] in
                state.watermarks = newValue
                return MemoryPipe.takeWritersIfDrained(&state, limit: limit)
            }
            ready.resumeAll()
        }
    }

    /// Bytes beyond what the receiver holds.
    var bufferedOutboundBytes: Int {
        state.withLock { max(0, $0.queue.count - limit) }
    }

    /// Appends `bytes`; returns whether they were accepted and whether the sender is now above its high watermark.
    func send(_ bytes: [UInt8]) -> Result<Bool, NetError> {
        let (result, reader) = state.withLock { state -> (Result<Bool, NetError>, Waiter?) in
            if state.senderClosed { return (.failure(NetError.closed), nil) }
            if state.receiverClosed { return (.failure(MemoryPipe.reset), nil) }
            state.queue.append(bytes)
            reportActivity(&state)
            let reader = bytes.isEmpty ? nil : state.readWaiter
            if reader != nil { state.readWaiter = nil }
            return (.success(state.queue.count - limit > state.watermarks.high), reader)
        }
        reader?.continuation.resume()
        return result
    }

    /// Suspends until the sender's outbound part is at or below the low watermark.
    func waitUntilWritable() async throws {
        try await suspend(install: { waiter in
            state.withLock { state -> Result<Void, any Error>? in
                if state.senderClosed { return .failure(NetError.closed) }
                if state.receiverClosed { return .failure(MemoryPipe.reset) }
                if state.queue.count - limit <= state.watermarks.low { return .success(()) }
                if Task.isCancelled { return .failure(CancellationError()) }
                state.writableWaiters.append(waiter)
                return nil
            }
        }, remove: { [self] id in
            state.withLock { $0.writableWaiters.remove(id: id) }
        })
    }

    /// The sender closes. With `discardUnsent`, bytes beyond `limit` (not yet "handed over") are dropped, as a TCP
    /// close drops its user-space buffer; the receiver reads the rest and then end of stream.
    func closeSender(discardUnsent: Bool) {
        let (reader, writers) = state.withLock { state -> (Waiter?, [Waiter]) in
            guard !state.senderClosed else { return (nil, []) }
            state.senderClosed = true
            if discardUnsent { state.queue.truncate(keeping: limit) }
            reportActivity(&state)
            defer {
                state.readWaiter = nil
                state.writableWaiters = []
            }
            return (state.readWaiter, state.writableWaiters)
        }
        reader?.continuation.resume()
        writers.resumeAll(throwing: NetError.closed)
    }

    // MARK: Receiver side

    /// A read is suspended waiting for data (for tests).
    var hasPendingRead: Bool {
        state.withLock { $0.readWaiter != nil }
    }

    /// The number of writers suspended by backpressure (for tests).
    var pendingWriterCount: Int {
        state.withLock { $0.writableWaiters.count }
    }

    /// Reads up to `maxLength` bytes; nil at end of stream or once the receiver closed.
    func receive(maxLength: Int) async throws -> [UInt8]? {
        while true {
            let (step, writers) = state.withLock { state -> (ReadStep, [Waiter]) in
                // Coming back for more means the reader is done with what it took.
                state.readerHolding = false
                defer { reportActivity(&state) }
                if state.receiverClosed { return (.endOfStream, []) }
                if !state.queue.isEmpty {
                    let bytes = state.queue.read(maxLength: maxLength)
                    state.readerHolding = true
                    return (.data(bytes), MemoryPipe.takeWritersIfDrained(&state, limit: limit))
                }
                if state.senderClosed {
                    state.endOfStreamDelivered = true
                    return (.endOfStream, [])
                }
                return (.wait, [])
            }
            writers.resumeAll()
            switch step {
            case .data(let bytes): return bytes
            case .endOfStream: return nil
            case .wait: try await waitReadable()
            }
        }
    }

    private func waitReadable() async throws {
        try await suspend(install: { waiter in
            state.withLock { state -> Result<Void, any Error>? in
                if state.receiverClosed || state.senderClosed || !state.queue.isEmpty { return .success(()) }
                if Task.isCancelled { return .failure(CancellationError()) }
                precondition(state.readWaiter == nil, "InMemoryStream: only one read at a time")
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

    /// The receiver closes: pending and later reads end, queued bytes are dropped, the sender's writes fail.
    func closeReceiver() {
        let (reader, writers) = state.withLock { state -> (Waiter?, [Waiter]) in
            guard !state.receiverClosed else { return (nil, []) }
            state.receiverClosed = true
            state.queue.removeAll()
            state.readerHolding = false
            reportActivity(&state)
            defer {
                state.readWaiter = nil
                state.writableWaiters = []
            }
            return (state.readWaiter, state.writableWaiters)
        }
        reader?.continuation.resume()
        writers.resumeAll(throwing: MemoryPipe.reset)
    }

    private static func takeWritersIfDrained(_ state: inout State, limit: Int) -> [Waiter] {
        guard !state.writableWaiters.isEmpty, state.queue.count - limit <= state.watermarks.low else { return [] }
        defer { state.writableWaiters = [] }
        return state.writableWaiters
    }
}
