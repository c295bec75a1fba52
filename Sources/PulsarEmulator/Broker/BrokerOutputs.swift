import PulsarWire

/// What handling one event asks the I/O layer to do, in order per connection: bytes to send and connections to
/// close. Frames are encoded while the broker state is still locked, because MESSAGE frames copy stored entry
/// bytes that may be trimmed right after.
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

    /// Encoded frames per connection, in the order they were produced.
    private(set) var bytes: [ConnectionID: [UInt8]] = [:]
    /// Connections to close after their bytes are flushed.
    private(set) var closes: [ConnectionID: CloseReason] = [:]
    /// Connections in the order they first received output (flush order).
    private(set) var touched: [ConnectionID] = []

    /// Connections whose dispatch was paused for backpressure: the driver tells the broker when the peer has read
    /// enough (``BrokerState/resumeDispatch(to:now:into:)``).
    private(set) var drainRequests: Set<ConnectionID> = []

    /// True when there is nothing to do.
    var isEmpty: Bool { bytes.isEmpty && closes.isEmpty && drainRequests.isEmpty }

    /// Bytes queued for `connection` so far.
    func byteCount(for connection: ConnectionID) -> Int { bytes[connection]?.count ?? 0 }

    /// Asks the driver to report when `connection` has drained.
    mutating func requestDrainNotice(_ connection: ConnectionID) {
        drainRequests.insert(connection)
    }

    /// Queues a simple command for `connection`.
    mutating func send(_ command: Command, to connection: ConnectionID) {
        touch(connection)
        FrameEncoder.encode(command, into: &bytes[connection, default: []])
    }

    /// Queues a MESSAGE (or other payload command) carrying a stored entry's exact bytes.
    mutating func send(_ command: Command, entry: UnsafeRawBufferPointer, to connection: ConnectionID) {
        touch(connection)
        FrameEncoder.encode(command, entryBytes: entry, into: &bytes[connection, default: []])
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
            if let more = other.bytes[connection] { bytes[connection, default: []].append(contentsOf: more) }
            if let reason = other.closes[connection], closes[connection] == nil { closes[connection] = reason }
        }
        drainRequests.formUnion(other.drainRequests)
    }

    private mutating func touch(_ connection: ConnectionID) {
        if bytes[connection] == nil, closes[connection] == nil { touched.append(connection) }
    }
}
