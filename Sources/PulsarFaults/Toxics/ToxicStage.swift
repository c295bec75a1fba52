import PulsarSupport

/// One direction of one proxied connection through its toxics, as a plain value: bytes in with the instant they
/// arrived, bytes out with the instant they may leave, and the end of the stream (a close or a reset) when a toxic
/// or the source calls for it. No sockets, no clock: the driver (``ProxyLink``) reads, feeds, and wakes at
/// ``nextDeadline``.
///
/// ```
///  ingest(bytes, now) ─▶ toxics in order (timeout · latency · bandwidth · slicer · limit_data)
///                          └─▶ pieces (bytes, leaveAt) ─▶ FIFO queue, leaveAt never earlier than the piece before
///  takeDue(now) ◀── pieces whose time has come, then the end (close / reset) once it is due
/// ```
/// Toxics come and go while bytes flow (``update(_:now:)``): what is queued keeps its place and time, so adding or
/// removing a toxic never loses or reorders a byte (a timeout drops what arrives while it is on, by definition).
struct ToxicStage {
    /// How the stream ends.
    enum End: Equatable, Sendable {
        /// Closed after everything queued before it.
        case close
        /// Reset (TCP RST) at once; what is still queued is dropped.
        case reset
    }

    /// What ``takeDue(now:)`` hands out.
    struct Due: Equatable {
        /// Bytes to write, in order.
        var chunks: [[UInt8]]
        /// How the stream ends now, after the chunks; nil while it goes on.
        var end: End?
    }

    private struct Piece {
        var bytes: [UInt8]
        var leaveAt: Int64
    }

    private struct ScheduledEnd {
        var end: End
        var at: Int64
        /// The toxic that scheduled it (removing the toxic cancels it); nil when the source closed.
        var cause: String?
    }

    private var queue: [Piece] = []
    private var head = 0
    private var ends: [ScheduledEnd] = []
    private var toxics: [Toxic] = []
    private var applies: [String: Bool] = [:]
    private var startedAt: [String: Int64] = [:]
    private var passedBytes: [String: Int] = [:]
    private var bandwidthFreeAt: Int64 = 0
    private var lastLeaveAt: Int64 = 0
    private var random: SeededRandom
    private var sourceClosed = false
    /// True once the end was handed out: nothing more comes.
    private(set) var isFinished = false

    /// A stage whose random choices (toxicity, jitter, slice sizes) follow `seed`.
    init(seed: UInt64) {
        random = SeededRandom(seed: seed)
    }

    /// The toxics that apply to this connection now (a subset of what was given, by toxicity).
    var activeToxics: [String] { toxics.filter { applies[$0.name] == true }.map(\.name) }

    /// When ``takeDue(now:)`` next has something to hand out, if ever.
    var nextDeadline: Int64? {
        let end = ends.map(\.at).min()
        let piece = head < queue.count ? queue[head].leaveAt : nil
        switch (end, piece) {
        case (let e?, let p?): return min(e, p)
        case (let e?, nil): return e
        case (nil, let p?): return p
        case (nil, nil): return nil
        }
    }

    /// Sets this direction's toxics (in chain order). New ones start now, with their toxicity decided once; removed
    /// ones stop, and an end they scheduled is cancelled.
    mutating func update(_ newToxics: [Toxic], now: Int64) {
        let names = Set(newToxics.map(\.name))
        for old in toxics where !names.contains(old.name) {
            applies[old.name] = nil
            startedAt[old.name] = nil
            passedBytes[old.name] = nil
            ends.removeAll { $0.cause == old.name }
        }
        for toxic in newToxics {
            if let old = toxics.first(where: { $0.name == toxic.name }), old == toxic { continue }
            // A new toxic, or one whose settings changed: it starts again.
            ends.removeAll { $0.cause == toxic.name }
            applies[toxic.name] = unitRandom() < toxic.toxicity
            startedAt[toxic.name] = now
            passedBytes[toxic.name] = 0
            guard applies[toxic.name] == true else { continue }
            switch toxic.kind {
            case .timeout(let milliseconds) where milliseconds > 0:
                ends.append(ScheduledEnd(end: .close, at: now + Int64(milliseconds) * 1_000_000, cause: toxic.name))
            case .resetPeer(let timeout):
                ends.append(ScheduledEnd(end: .reset, at: now + Int64(timeout) * 1_000_000, cause: toxic.name))
            default:
                break
            }
        }
        toxics = newToxics
    }

    /// Bytes read from the source at `now`, to leave no earlier than `extraDelay` nanoseconds later (a frame rule's
    /// delay) on top of what the toxics add.
    mutating func ingest(_ bytes: [UInt8], now: Int64, extraDelay: Int64 = 0) {
        guard !isFinished, !sourceClosed, !bytes.isEmpty else { return }
        var pieces = [Piece(bytes: bytes, leaveAt: now + max(0, extraDelay))]
        for toxic in toxics where applies[toxic.name] == true {
            switch toxic.kind {
            case .timeout:
                pieces = []
            case .latency(let milliseconds, let jitter):
                let spread = jitter > 0 ? Int64(randomInt(in: -jitter...jitter)) : 0
                let delay = max(0, Int64(milliseconds) + spread) * 1_000_000
                for index in pieces.indices { pieces[index].leaveAt += delay }
            case .bandwidth(let rate) where rate > 0:
                for index in pieces.indices {
                    let start = max(pieces[index].leaveAt, bandwidthFreeAt)
                    let duration = Int64(pieces[index].bytes.count) * 1_000_000 / Int64(rate)   // ns for n bytes at rate KB/s
                    pieces[index].leaveAt = start + duration
                    bandwidthFreeAt = pieces[index].leaveAt
                }
            case .slicer(let average, let variation, let delay):
                pieces = pieces.flatMap { slice($0, average: average, variation: variation, delayNanoseconds: Int64(delay) * 1000) }
            case .limitData(let limit):
                var kept: [Piece] = []
                for var piece in pieces {
                    let room = limit - passedBytes[toxic.name, default: 0]
                    guard room > 0 else { break }
                    if piece.bytes.count > room { piece.bytes = Array(piece.bytes.prefix(room)) }
                    passedBytes[toxic.name, default: 0] += piece.bytes.count
                    kept.append(piece)
                }
                pieces = kept
                if passedBytes[toxic.name, default: 0] >= limit, !ends.contains(where: { $0.cause == toxic.name }) {
                    let at = max(pieces.last?.leaveAt ?? now, lastLeaveAt)
                    ends.append(ScheduledEnd(end: .close, at: at, cause: toxic.name))
                }
            case .bandwidth, .resetPeer, .slowClose:
                break
            }
        }
        for var piece in pieces {
            piece.leaveAt = max(piece.leaveAt, lastLeaveAt)
            lastLeaveAt = piece.leaveAt
            queue.append(piece)
        }
    }

    /// The source ended at `now`: the end follows what is queued, `slow_close` later still.
    mutating func sourceEnded(now: Int64) {
        guard !sourceClosed, !isFinished else { return }
        sourceClosed = true
        var delay: Int64 = 0
        for toxic in toxics where applies[toxic.name] == true {
            if case .slowClose(let milliseconds) = toxic.kind { delay = max(delay, Int64(milliseconds) * 1_000_000) }
        }
        ends.append(ScheduledEnd(end: .close, at: max(now + delay, lastLeaveAt), cause: nil))
    }

    /// What may leave at `now`, in order, and the end if it is due (after which nothing more comes).
    mutating func takeDue(now: Int64) -> Due {
        guard !isFinished else { return Due(chunks: [], end: nil) }
        let due = ends.filter { $0.at <= now }.min { $0.at < $1.at }
        var chunks: [[UInt8]] = []
        if due?.end != .reset {
            let limit = due.map { min(now, $0.at) } ?? now
            while head < queue.count, queue[head].leaveAt <= limit {
                chunks.append(queue[head].bytes)
                head += 1
            }
            if head > 1024, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
        }
        guard let due else { return Due(chunks: chunks, end: nil) }
        isFinished = true
        queue = []
        head = 0
        ends = []
        return Due(chunks: chunks, end: due.end)
    }

    // MARK: Randomness

    private mutating func unitRandom() -> Double {
        Double(random.next() >> 11) / Double(1 << 53)
    }

    private mutating func randomInt(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(random.next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    private mutating func slice(_ piece: Piece, average: Int, variation: Int, delayNanoseconds: Int64) -> [Piece] {
        var pieces: [Piece] = []
        var offset = 0
        var leaveAt = piece.leaveAt
        while offset < piece.bytes.count {
            let size = max(1, variation > 0 ? randomInt(in: (average - variation)...(average + variation)) : average)
            let end = min(piece.bytes.count, offset + size)
            pieces.append(Piece(bytes: Array(piece.bytes[offset..<end]), leaveAt: leaveAt))
            leaveAt += delayNanoseconds
            offset = end
        }
        return pieces
    }
}
