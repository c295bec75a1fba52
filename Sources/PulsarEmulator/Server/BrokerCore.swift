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

    /// Frames for one connection whose place in its outbox is fixed; encoded and flushed outside the lock.
    struct Delivery {
        let outbox: Outbox
        var ticket: Outbox.Ticket?
        var frames: [OutboundFrame] = []

        /// Encodes the frames into their reserved place and writes what is ready.
        func send() {
            if let ticket { outbox.fill(ticket, with: OutboundFrame.encode(frames)) }
            outbox.flush()
        }
    }

    /// A pause: until when (nil until resumed) and what arrived meanwhile.
    struct Pause {
        /// What arrived during a pause, in order.
        enum Deferred {
            case events(ConnectionID, [Event])
            case closed(ConnectionID)
        }

        var until: Int64?
        var deferred: [Deferred] = []
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
        /// Set while the broker is paused (``BrokerCore/pause(until:)``).
        var pause: Pause?

        /// Hands decoded events to the broker.
        mutating func process(_ events: [Event], from id: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
            for event in events {
                switch event {
                case .frame(let frame):
                    if journal.capacity > 0 {
                        journal.record(JournaledFrame(connection: id, command: frame.command.type, receivedAt: now))
                    }
                    broker.handle(frame, from: id, now: now, into: &outputs)
                case .checksumMismatch(let frame): broker.handleChecksumMismatch(frame, from: id, into: &outputs)
                case .malformed(let error): broker.handleMalformedInput(error, from: id, into: &outputs)
                }
            }
        }

        /// Starts a pause, or changes when the current one ends.
        mutating func startPause(until: Int64?, clock: any PulsarClock) {
            if pause == nil { pause = Pause() }
            pause?.until = until
            broker.isPaused = true
            armedDeadline = nil
            armTimers(clock: clock)
        }

        /// Does what the broker state asked of the driver (admin requests ask for pauses this way).
        mutating func takeControlRequests(now: Int64, clock: any PulsarClock, into outputs: inout BrokerOutputs) {
            let requests = broker.controlRequests
            guard !requests.isEmpty else { return }
            broker.controlRequests = []
            for request in requests {
                switch request {
                case .pause(let until): startPause(until: until, clock: clock)
                case .resume:
                    guard pause != nil else { continue }
                    endPause(now: now, into: &outputs)
                    broker.tick(now: now, into: &outputs)
                }
            }
        }

        /// Ends a pause, handling what arrived during it in arrival order.
        mutating func endPause(now: Int64, into outputs: inout BrokerOutputs) {
            guard let pause else { return }
            self.pause = nil
            broker.isPaused = false
            broker.pausedReads = 0
            for item in pause.deferred {
                switch item {
                case .events(let id, let events): process(events, from: id, now: now, into: &outputs)
                case .closed(let id): broker.connectionClosed(id, now: now, into: &outputs)
                }
            }
        }

        /// Fixes the order of outputs in the outboxes (under the lock, so order holds) and returns what to encode and
        /// flush once the lock is released. A connection whose peer has not taken `pendingLimit` bytes gets its
        /// dispatch paused until it reads.
        mutating func apply(_ outputs: BrokerOutputs, pendingLimit: Int, clock: any PulsarClock) -> [Delivery] {
            var outputs = outputs
            broker.applyFaults(to: &outputs)
            armTimers(clock: clock)
            var deliveries: [Delivery] = []
            for connection in outputs.touched {
                guard let open = connections[connection] else { continue }
                var delivery = Delivery(outbox: open.outbox)
                if let frames = outputs.frames[connection], !frames.isEmpty {
                    delivery.frames = frames
                    delivery.ticket = open.outbox.reserve()
                    if broker.connections[connection]?.dispatchPaused == false,
                       open.outbox.unsentByteCount + outputs.estimatedByteCount(for: connection) >= pendingLimit {
                        broker.connections[connection]?.dispatchPaused = true
                        open.drainNotices.request()
                    }
                }
                if outputs.closes[connection] != nil { open.outbox.closeWhenFlushed() }
                deliveries.append(delivery)
            }
            for connection in outputs.drainRequests { connections[connection]?.drainNotices.request() }
            return deliveries
        }

        /// Arms the alarm when the broker's earliest timer is earlier than what it is armed for. Broker deadlines
        /// are wall-clock milliseconds; the alarm sleeps on the monotonic instant the same distance away (a wall
        /// clock that jumps meanwhile only makes it wake early, find nothing due and arm again).
        mutating func armTimers(clock: any PulsarClock) {
            // While paused only the end of the pause is worth waking for (the broker's due timers wait for it).
            guard let alarm, let next = pause.map({ $0.until }) ?? broker.timers.nextDeadline else { return }
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

    /// Handles the events decoded from one read, under one lock acquisition, then flushes (while the broker is
    /// paused, keeps them for later). Returns false once the connection is being closed by the broker.
    func handle(_ events: [Event], from id: ConnectionID) -> Bool {
        let now = now
        let (touched, open) = core.withLock { core -> ([Delivery], Bool) in
            if core.pause != nil {
                core.pause?.deferred.append(.events(id, events))
                core.broker.pausedReads += 1
                return ([], true)
            }
            var outputs = BrokerOutputs()
            core.process(events, from: id, now: now, into: &outputs)
            let open = outputs.closes[id] == nil && core.broker.connections[id]?.phase != .closing
            logAuthenticationCloses(outputs)
            return (core.apply(outputs, pendingLimit: pendingLimit, clock: configuration.clock), open)
        }
        for delivery in touched { delivery.send() }
        return open
    }

    /// The connection is gone: release everything it held, and tell others what that changes.
    func closed(_ id: ConnectionID) {
        let now = now
        let touched = core.withLock { core -> [Delivery] in
            core.connections.removeValue(forKey: id)?.drainNotices.finish()
            if core.pause != nil {
                core.pause?.deferred.append(.closed(id))
                core.broker.pausedReads += 1
                return []
            }
            var outputs = BrokerOutputs()
            core.broker.connectionClosed(id, now: now, into: &outputs)
            return core.apply(outputs, pendingLimit: pendingLimit, clock: configuration.clock)
        }
        for delivery in touched { delivery.send() }
    }

    /// Runs the timers that are due: keep-alive, token expiry, delayed delivery, and the end of a pause.
    func tick() {
        let now = now
        let touched = core.withLock { core -> [Delivery] in
            core.armedDeadline = nil
            var outputs = BrokerOutputs()
            if let pause = core.pause {
                guard let until = pause.until, until <= now else {
                    core.armTimers(clock: configuration.clock)
                    return []
                }
                core.endPause(now: now, into: &outputs)
            }
            core.broker.tick(now: now, into: &outputs)
            logAuthenticationCloses(outputs)
            return core.apply(outputs, pendingLimit: pendingLimit, clock: configuration.clock)
        }
        for delivery in touched { delivery.send() }
    }

    /// Stops serving: frames and closes that arrive are kept, in order, and timers do not run, until ``resume()``
    /// or until `until` (the configuration clock's wall time, ms) passes. Admin requests are still served.
    func pause(until: Int64?) {
        core.withLock { $0.startPause(until: until, clock: configuration.clock) }
    }

    /// Serves what arrived during a pause, in order, then runs the timers that came due.
    func resume() {
        let now = now
        let touched = core.withLock { core -> [Delivery] in
            guard core.pause != nil else { return [] }
            var outputs = BrokerOutputs()
            core.endPause(now: now, into: &outputs)
            core.broker.tick(now: now, into: &outputs)
            logAuthenticationCloses(outputs)
            return core.apply(outputs, pendingLimit: pendingLimit, clock: configuration.clock)
        }
        for delivery in touched { delivery.send() }
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
        let (result, touched) = try core.withLock { core -> (R, [Delivery]) in
            var outputs = BrokerOutputs()
            let result = try body(&core.broker, now, &outputs)
            core.takeControlRequests(now: now, clock: configuration.clock, into: &outputs)
            return (result, core.apply(outputs, pendingLimit: pendingLimit, clock: configuration.clock))
        }
        for delivery in touched { delivery.send() }
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
