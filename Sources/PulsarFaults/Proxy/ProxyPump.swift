import PulsarNet
import PulsarSupport
import Synchronization

/// What the two directions of a link and the proxy's links share: the link's directory of producer and consumer
/// ids, and the proxy's frame rules. Locks are always taken pump → directory → rules.
final class LinkShared: Sendable {
    let directory = Mutex(LinkDirectory())
    let ruleBook: SharedRuleBook

    init(ruleBook: SharedRuleBook) {
        self.ruleBook = ruleBook
    }
}

/// A proxy's ``FrameRuleBook``, shared by all its links.
final class SharedRuleBook: Sendable {
    let book: Mutex<FrameRuleBook>

    init(seed: UInt64) {
        book = Mutex(FrameRuleBook(seed: seed))
    }
}

/// One direction of one proxied connection, and the one place that does its I/O: read the source, pass the bytes
/// through the ``FrameStage`` and the ``ToxicStage``, write what is due to the sink, and wake on an alarm for what
/// is due later.
///
/// ```
///  source.read ─▶ FrameStage (frames, lookup rewrite, rules) ─▶ ToxicStage.ingest ─┐
///                    └─▶ replies to the other pump                                 │
///                                       alarm(nextDeadline) ─▶ deliver() ◀────────┘ ─▶ sink.enqueue / close / reset
/// ```
/// ``deliver()`` takes what is due and writes it under the pump's lock, so the reader and the alarm never swap
/// chunks.
final class ProxyPump: Sendable {
    private struct State {
        var frames: FrameStage
        var toxics: ToxicStage
        var ended = false
    }

    let source: any ByteStream
    let sink: any ByteStream
    private let clock: any PulsarClock
    private let state: Mutex<State>
    private let alarm: Mutex<DeadlineAlarm?> = Mutex(nil)
    private let shared: LinkShared
    /// The pump of the other direction, for replies (set once both exist).
    private let opposite: Mutex<ProxyPump?> = Mutex(nil)

    init(source: any ByteStream, sink: any ByteStream, frames: FrameStage, seed: UInt64, toxics: [Toxic],
         shared: LinkShared, clock: any PulsarClock) {
        self.source = source
        self.sink = sink
        self.clock = clock
        self.shared = shared
        var stage = ToxicStage(seed: seed)
        stage.update(toxics, now: clock.instant.nanoseconds)
        state = Mutex(State(frames: frames, toxics: stage))
        let alarm = DeadlineAlarm(clock: clock) { [weak self] in self?.deliver() }
        self.alarm.withLock { $0 = alarm }
    }

    /// Connects the pump of the other direction (replies go there).
    func pair(with other: ProxyPump) { opposite.withLock { $0 = other } }

    /// LOOKUP_RESPONSEs rewritten so far.
    var rewrittenLookups: Int { state.withLock { $0.frames.rewrittenLookups } }

    /// Copies until the source ends and the end has been passed on (or the link is torn down).
    func run() async {
        while true {
            let chunk: [UInt8]?
            do { chunk = try await source.read(maxLength: 64 * 1024) } catch { chunk = nil }
            guard let chunk else { break }
            let now = clock.instant.nanoseconds
            let reply = state.withLock { state -> [UInt8] in
                let emissions = shared.directory.withLock { directory in
                    shared.ruleBook.book.withLock { rules in state.frames.ingest(chunk, directory: &directory, rules: &rules, now: now) }
                }
                for (bytes, delay) in emissions.forward { state.toxics.ingest(bytes, now: now, extraDelay: delay) }
                return emissions.reply
            }
            if !reply.isEmpty { opposite.withLock { $0 }?.inject(reply) }
            deliver()
            // Backpressure: a sink that does not drain is not fed more.
            if sink.bufferedOutboundBytes > 0 {
                do { try await sink.waitUntilWritable() } catch { break }
            }
        }
        let now = clock.instant.nanoseconds
        state.withLock { state in
            for (bytes, delay) in state.frames.finish().forward { state.toxics.ingest(bytes, now: now, extraDelay: delay) }
            state.toxics.sourceEnded(now: now)
        }
        deliver()
    }

    /// Queues whole frames made by the proxy (a refusal, an injected close) behind what this direction already holds.
    func inject(_ bytes: [UInt8]) {
        let now = clock.instant.nanoseconds
        state.withLock { $0.toxics.ingest(bytes, now: now) }
        deliver()
    }

    /// Sets the toxics of this direction (chain order).
    func update(_ toxics: [Toxic]) {
        let now = clock.instant.nanoseconds
        state.withLock { $0.toxics.update(toxics, now: now) }
        deliver()
    }

    /// Writes what is due, ends the sink if its end is due, and arms the alarm for what comes next.
    func deliver() {
        let now = clock.instant.nanoseconds
        let next: Int64? = state.withLock { state in
            guard !state.ended else { return nil }
            let due = state.toxics.takeDue(now: now)
            for chunk in due.chunks where !chunk.isEmpty { sink.enqueue(chunk) }
            switch due.end {
            case .close?:
                state.ended = true
                sink.closeAfterFlush()
                source.close()
            case .reset?:
                state.ended = true
                Self.reset(sink)
                Self.reset(source)
            case nil:
                break
            }
            return state.ended ? nil : state.toxics.nextDeadline
        }
        if let next { alarm.withLock { $0 }?.arm(at: PulsarInstant(nanoseconds: next)) }
    }

    /// Tears the direction down at once.
    func stop() {
        state.withLock { $0.ended = true }
        alarm.withLock { $0 }?.stop()
        opposite.withLock { $0 = nil }
        source.close()
        sink.close()
    }

    private static func reset(_ stream: any ByteStream) {
        if let tcp = stream as? TCPConnection { tcp.reset() } else { stream.close() }
    }
}

/// One proxied connection: the client's stream, the broker's, and a pump each way.
final class ProxyLink: Sendable {
    let id: Int
    let upstreamPump: ProxyPump
    let downstreamPump: ProxyPump

    init(id: Int, client: any ByteStream, broker: any ByteStream, advertisedServiceURL: String?, seed: UInt64,
         toxics: [Toxic], ruleBook: SharedRuleBook, clock: any PulsarClock) {
        self.id = id
        let shared = LinkShared(ruleBook: ruleBook)
        upstreamPump = ProxyPump(source: client, sink: broker,
                                 frames: FrameStage(direction: .upstream, advertisedServiceURL: nil),
                                 seed: seed &* 2 &+ 1, toxics: toxics.filter { $0.stream == .upstream }, shared: shared, clock: clock)
        downstreamPump = ProxyPump(source: broker, sink: client,
                                   frames: FrameStage(direction: .downstream, advertisedServiceURL: advertisedServiceURL),
                                   seed: seed &* 2 &+ 2, toxics: toxics.filter { $0.stream == .downstream }, shared: shared,
                                   clock: clock)
        upstreamPump.pair(with: downstreamPump)
        downstreamPump.pair(with: upstreamPump)
    }

    /// Runs both directions until both have ended.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.upstreamPump.run() }
            group.addTask { await self.downstreamPump.run() }
        }
        stop()
    }

    /// Applies a new toxic list (each direction takes its own).
    func update(_ toxics: [Toxic]) {
        upstreamPump.update(toxics.filter { $0.stream == .upstream })
        downstreamPump.update(toxics.filter { $0.stream == .downstream })
    }

    /// Closes both streams at once.
    func stop() {
        upstreamPump.stop()
        downstreamPump.stop()
    }
}
