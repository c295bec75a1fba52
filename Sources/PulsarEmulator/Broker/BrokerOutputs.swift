import PulsarWire

/// One frame the broker sends, as a typed value: faults inspect and rewrite these, and the connection driver encodes
/// them after the broker's lock is released.
enum OutboundFrame: Equatable, Sendable {
    /// A command without a payload.
    case command(Command)
    /// A payload command (MESSAGE) and the stored entry's exact bytes (metadata and payload, as the producer sent
    /// them), copied out of the topic log so the log can be trimmed at once.
    case message(Command, entry: [UInt8])

    /// The command, whatever the case.
    var command: Command {
        switch self {
        case .command(let command), .message(let command, _): command
        }
    }

    /// Roughly the encoded size (the backpressure check runs before encoding).
    var estimatedByteCount: Int {
        switch self {
        case .command: 64
        case .message(_, let entry): 96 + entry.count
        }
    }

    /// The wire bytes of `frames`, in order.
    static func encode(_ frames: [OutboundFrame]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(frames.reduce(0) { $0 + $1.estimatedByteCount })
        for frame in frames { frame.encode(into: &bytes) }
        return bytes
    }

    /// Appends the frame's wire bytes to `buffer`.
    func encode(into buffer: inout [UInt8]) {
        switch self {
        case .command(let command):
            FrameEncoder.encode(command, into: &buffer)
        case .message(let command, let entry):
            entry.withUnsafeBytes { FrameEncoder.encode(command, entryBytes: $0, into: &buffer) }
        }
    }
}

/// What handling one event asks the I/O layer to do, in order per connection: frames to send (typed, encoded later,
/// outside the lock) and connections to close.
struct BrokerOutputs {
    /// Why the broker closes a connection.
    enum CloseReason: Equatable, Sendable {
        /// The client sent something the broker cannot accept; `message` is logged.
        case protocolError(String)
        /// Authentication failed or expired.
        case authentication(String)
        /// No traffic within the keep-alive timeout.
        case keepAliveTimeout
        /// The emulator is shutting down, or a test asked for it.
        case requested(String)
    }

    /// Frames per connection, in the order they were produced.
    private(set) var frames: [ConnectionID: [OutboundFrame]] = [:]
    /// Connections to close after their frames are flushed.
    private(set) var closes: [ConnectionID: CloseReason] = [:]
    /// Connections in the order they first received output (flush order).
    private(set) var touched: [ConnectionID] = []

    /// Connections whose dispatch was paused for backpressure: the driver tells the broker when the peer has read
    /// enough (``BrokerState/resumeDispatch(to:now:into:)``).
    private(set) var drainRequests: Set<ConnectionID> = []

    /// True when there is nothing to do.
    var isEmpty: Bool { frames.isEmpty && closes.isEmpty && drainRequests.isEmpty }

    /// Roughly the bytes queued per connection (kept as frames are added: dispatch checks it per message).
    private var byteEstimates: [ConnectionID: Int] = [:]

    /// Roughly the bytes queued for `connection` so far.
    func estimatedByteCount(for connection: ConnectionID) -> Int { byteEstimates[connection] ?? 0 }

    /// The wire bytes of everything queued for `connection`.
    func encoded(for connection: ConnectionID) -> [UInt8] {
        OutboundFrame.encode(frames[connection] ?? [])
    }

    /// Asks the driver to report when `connection` has drained.
    mutating func requestDrainNotice(_ connection: ConnectionID) {
        drainRequests.insert(connection)
    }

    /// Queues a simple command for `connection`.
    mutating func send(_ command: Command, to connection: ConnectionID) {
        add(.command(command), to: connection)
    }

    /// Queues a MESSAGE (or other payload command) carrying a stored entry's exact bytes (copied now).
    mutating func send(_ command: Command, entry: UnsafeRawBufferPointer, to connection: ConnectionID) {
        add(.message(command, entry: Array(entry)), to: connection)
    }

    /// Asks for `connection` to be closed once what was queued for it is flushed.
    mutating func close(_ connection: ConnectionID, _ reason: CloseReason) {
        touch(connection)
        if closes[connection] == nil { closes[connection] = reason }
    }

    /// Appends everything of `other` after what is already queued.
    mutating func append(_ other: BrokerOutputs) {
        for connection in other.touched {
            touch(connection)
            for frame in other.frames[connection] ?? [] { add(frame, to: connection) }
            if let reason = other.closes[connection], closes[connection] == nil { closes[connection] = reason }
        }
        drainRequests.formUnion(other.drainRequests)
    }

    /// Removes the frames `remove` picks (faults take frames out this way), keeping the order of the others.
    mutating func removeFrames(_ remove: (ConnectionID, OutboundFrame) -> Bool) {
        for connection in touched {
            guard var list = frames[connection] else { continue }
            var removedBytes = 0
            list.removeAll { frame in
                let taken = remove(connection, frame)
                if taken { removedBytes += frame.estimatedByteCount }
                return taken
            }
            frames[connection] = list
            byteEstimates[connection, default: 0] -= removedBytes
        }
    }

    /// Queues `frame` for `connection` (faults use it to put back frames they held).
    mutating func add(_ frame: OutboundFrame, to connection: ConnectionID) {
        touch(connection)
        frames[connection, default: []].append(frame)
        byteEstimates[connection, default: 0] += frame.estimatedByteCount
    }

    private mutating func touch(_ connection: ConnectionID) {
        if frames[connection] == nil, closes[connection] == nil { touched.append(connection) }
    }
}
