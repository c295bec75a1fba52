import PulsarNet
import PulsarSupport
import PulsarWire
import Synchronization

/// The broker state behind one lock (one coarse lock, as in Google's pstest: right for a test double), plus the
/// outboxes of live connections. Every event takes the lock once, computes outputs, queues them, and returns the
/// outboxes to flush once the lock is released.
final class BrokerCore: Sendable {
    /// What a connection driver hands in: decoded frames, or the ways decoding can fail.
    enum Event {
        /// A well-formed frame.
        case frame(Frame)
        /// A frame whose checksum did not match.
        case checksumMismatch(Frame)
        /// Input that cannot be decoded; the connection will be closed.
        case malformed(WireError)
    }

    /// What the core keeps of a live connection.
    struct OpenConnection {
        /// Frames for the connection.
        let outbox: Outbox
        /// Where the core asks the driver to report that the peer has read what was queued.
        let drainNotices: DrainNotices
    }

    private struct Core {
        var broker: BrokerState
        var connections: [ConnectionID: OpenConnection] = [:]
        var nextConnection: UInt64 = 1
        var isShuttingDown = false
        /// Wakes ``BrokerCore/tick()`` at the broker's next timer deadline (nil until the emulator starts it).
        var alarm: DeadlineAlarm?
        /// The wall-clock deadline (ms) the alarm was last armed for; nil once it fired.
        var armedDeadline: Int64?
        /// The last frames received, when the configuration asks for them (a test harness's failure report).
        var journal: FrameJournal

        /// Queues outputs in the outboxes (under the lock, so order holds) and returns the outboxes to flush. A
        /// connection whose peer has not taken `pendingLimit` bytes gets its dispatch paused until it reads.
        mutating func apply(_ outputs: BrokerOutputs, pendingLimit: Int, clock: any PulsarClock) -> [Outbox] {
            armTimers(clock: clock)
            var touched: [Outbox] = []
            for connection in outputs.touched {
                guard let open = connections[connection] else { continue }
                if let bytes = outputs.bytes[connection] {
                    open.outbox.append(bytes)
                    if broker.connections[connection]?.dispatchPaused == false, open.outbox.unsentByteCount >= pendingLimit {
                        broker.connections[connection]?.dispatchPaused = true
                        open.drainNotices.request()
                    }
                }
                if outputs.closes[connection] != nil { open.outbox.closeWhenFlushed() }
                touched.append(open.outbox)
            }
            for connection in outputs.drainRequests { connections[connection]?.drainNotices.request() }
            return touched
        }

        /// Arms the alarm when the broker's earliest timer is earlier than what it is armed for. Broker deadlines
        /// are wall-clock milliseconds; the alarm sleeps on the monotonic instant the same distance away (a wall
        /// clock that jumps meanwhile only makes it wake early, find nothing due and arm again).
        mutating func armTimers(clock: any PulsarClock) {
            guard let alarm, let next = broker.timers.nextDeadline else { return }
            if let armed = armedDeadline, armed <= next { return }
            armedDeadline = next
            alarm.arm(at: clock.instant + .milliseconds(max(0, next - clock.now())))
        }
    }

    let configuration: EmulatorConfiguration
    let logger: PulsarLogger
    private let core: Mutex<Core>
    private var pendingLimit: Int { configuration.limits.maxPendingBytesPerConnection }

    init(configuration: EmulatorConfiguration, advertisedServiceURL: String, logger: PulsarLogger) {
        self.configuration = configuration
        self.logger = logger
        core = Mutex(Core(broker: BrokerState(configuration: configuration, advertisedServiceURL: advertisedServiceURL),
                          journal: FrameJournal(capacity: configuration.frameJournalCapacity)))
    }

    var now: Int64 { configuration.clock.now() }

    /// Runs the broker's timers on `configuration.clock` from now on: the alarm sleeps until the next deadline
    /// (keep-alive, token expiry, delayed delivery) and is re-armed whenever an earlier one appears.
    func startTimers() {
        let alarm = DeadlineAlarm(clock: configuration.clock) { [weak self] in self?.tick() }
        core.withLock { core in
            core.alarm = alarm
            core.armTimers(clock: configuration.clock)
        }
    }

    /// Stops the timer alarm.
    func stopTimers() {
        core.withLock { $0.alarm }?.stop()
    }

    /// Registers a new connection and returns its id, outbox and drain notices, or nil once the emulator is shutting
    /// down.
    func open(_ stream: any ByteStream) -> (ConnectionID, OpenConnection)? {
        let now = now
        return core.withLock { core in
            guard !core.isShuttingDown else { return nil }
            let limit = configuration.limits.maxConnections
            if limit > 0, core.connections.count >= limit {
                logger.warning("refusing a connection from \(stream.remoteDescription): \(limit) connections open, the limit")
                return nil
            }
            let id = ConnectionID(core.nextConnection)
            core.nextConnection += 1
            let open = OpenConnection(outbox: Outbox(stream: stream), drainNotices: DrainNotices())
            core.connections[id] = open
            core.broker.connectionOpened(id, remoteAddress: stream.remoteDescription, now: now)
            core.armTimers(clock: configuration.clock)
            return (id, open)
        }
    }

    /// The peer of `id` has read what was queued: dispatch to its consumers again.
    func resumeDispatch(to id: ConnectionID) {
        withState { state, now, outputs in state.resumeDispatch(to: id, now: now, into: &outputs) }
    }

    /// Handles the events decoded from one read, under one lock acquisition, then flushes.
    /// Returns false once the connection is being closed by the broker.
    func handle(_ events: [Event], from id: ConnectionID) -> Bool {
        let now = now
        let (touched, open) = core.withLock { core -> ([Outbox], Bool) in
            var outputs = BrokerOutputs()
            for event in events {
                switch event {
                case .frame(let frame):
                    if core.journal.capacity > 0 {
                        core.journal.record(JournaledFrame(connection: id, command: frame.command.type, receivedAt: now))
                    }
                    core.broker.handle(frame, from: id, now: now, into: &outputs)
                case .checksumMismatch(let frame): core.broker.handleChecksumMismatch(frame, from: id, into: &outputs)
                case .malformed(let error): core.broker.handleMalformedInput(error, from: id, into: &outputs)
                }
            }
            let open = outputs.closes[id] == nil && core.broker.connections[id]?.phase != .closing
            logAuthenticationCloses(outputs)
            return (core.apply(outputs, pendingLimit: pendingLimit, clock: configuration.clock), open)
        }
        for outbox in touched { outbox.flush() }
        return open
    }

    /// The connection is gone: release everything it held, and tell others what that changes.
    func closed(_ id: ConnectionID) {
        let now = now
        let touched = core.withLock { core -> [Outbox] in
            var outputs = BrokerOutputs()
            core.broker.connectionClosed(id, now: now, into: &outputs)
            core.connections.removeValue(forKey: id)?.drainNotices.finish()
            return core.apply(outputs, pendingLimit: pendingLimit, clock: configuration.clock)
        }
        for outbox in touched { outbox.flush() }
    }

    /// Runs the timers that are due: keep-alive, token expiry, delayed delivery.
    func tick() {
        let now = now
        let touched = core.withLock { core -> [Outbox] in
            core.armedDeadline = nil
            var outputs = BrokerOutputs()
            core.broker.tick(now: now, into: &outputs)
            logAuthenticationCloses(outputs)
            return core.apply(outputs, pendingLimit: pendingLimit, clock: configuration.clock)
        }
        for outbox in touched { outbox.flush() }
    }

    /// Authentication refusals and expiries are worth a warning: they are what a test with auth on looks for.
    private func logAuthenticationCloses(_ outputs: BrokerOutputs) {
        for connection in outputs.touched {
            if case .authentication(let message)? = outputs.closes[connection] {
                logger.warning("\(connection) closed: \(message)")
            }
        }
    }

    /// Runs `body` on the broker state with the lock held, applying any outputs it produces.
    func withState<R>(_ body: (inout BrokerState, Int64, inout BrokerOutputs) throws -> R) rethrows -> R {
        let now = now
        let (result, touched) = try core.withLock { core -> (R, [Outbox]) in
            var outputs = BrokerOutputs()
            let result = try body(&core.broker, now, &outputs)
            return (result, core.apply(outputs, pendingLimit: pendingLimit, clock: configuration.clock))
        }
        for outbox in touched { outbox.flush() }
        return result
    }

    /// Reads the broker state.
    func read<R>(_ body: (BrokerState) throws -> R) rethrows -> R {
        try core.withLock { try body($0.broker) }
    }

    /// Closes every connection's stream (a test's "cut every client"); clients may reconnect.
    func closeAllStreams() {
        let streams = core.withLock { $0.connections.values.map(\.outbox.stream) }
        for stream in streams { stream.close() }
    }

    /// Refuses new connections from now on and closes every open one.
    func shutDown() {
        let streams = core.withLock { core in
            core.isShuttingDown = true
            return core.connections.values.map(\.outbox.stream)
        }
        for stream in streams { stream.close() }
    }

    /// The last frames received (oldest first); empty unless ``EmulatorConfiguration/frameJournalCapacity`` is set.
    func recentFrames() -> [JournaledFrame] {
        core.withLock { $0.journal.frames }
    }
}
