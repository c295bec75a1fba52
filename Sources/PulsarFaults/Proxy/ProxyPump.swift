import PulsarNet
import PulsarSupport
import Synchronization

/// One direction of one proxied connection, and the one place that does its I/O: read the source, pass the bytes
/// through the ``FrameStage`` and the ``ToxicStage``, write what is due to the sink, and wake on an alarm for what
/// is due later.
///
/// ```
///  source.read ─▶ FrameStage (frames, lookup rewrite) ─▶ ToxicStage.ingest ─┐
///                                      alarm(nextDeadline) ─▶ deliver() ◀───┘ ─▶ sink.enqueue / close / reset
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

    init(source: any ByteStream, sink: any ByteStream, frames: FrameStage, seed: UInt64, toxics: [Toxic],
         clock: any PulsarClock) {
        self.source = source
        self.sink = sink
        self.clock = clock
        var stage = ToxicStage(seed: seed)
        stage.update(toxics, now: clock.instant.nanoseconds)
        state = Mutex(State(frames: frames, toxics: stage))
        let alarm = DeadlineAlarm(clock: clock) { [weak self] in self?.deliver() }
        self.alarm.withLock { $0 = alarm }
    }

    /// LOOKUP_RESPONSEs rewritten so far.
    var rewrittenLookups: Int { state.withLock { $0.frames.rewrittenLookups } }

    /// Copies until the source ends and the end has been passed on (or the link is torn down).
    func run() async {
        while true {
            let chunk: [UInt8]?
            do { chunk = try await source.read(maxLength: 64 * 1024) } catch { chunk = nil }
            guard let chunk else { break }
            let now = clock.instant.nanoseconds
            state.withLock { state in
                let framed = state.frames.ingest(chunk)
                state.toxics.ingest(framed, now: now)
            }
            deliver()
            // Backpressure: a sink that does not drain is not fed more.
            if sink.bufferedOutboundBytes > 0 {
                do { try await sink.waitUntilWritable() } catch { break }
            }
        }
        let now = clock.instant.nanoseconds
        state.withLock { $0.toxics.sourceEnded(now: now) }
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
         toxics: [Toxic], clock: any PulsarClock) {
        self.id = id
        upstreamPump = ProxyPump(source: client, sink: broker, frames: FrameStage(advertisedServiceURL: nil),
                                 seed: seed &* 2 &+ 1, toxics: toxics.filter { $0.stream == .upstream }, clock: clock)
        downstreamPump = ProxyPump(source: broker, sink: client, frames: FrameStage(advertisedServiceURL: advertisedServiceURL),
                                   seed: seed &* 2 &+ 2, toxics: toxics.filter { $0.stream == .downstream }, clock: clock)
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
