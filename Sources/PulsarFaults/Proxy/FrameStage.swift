import PulsarWire

/// What the proxy knows of one connection: the topic of each producer and consumer id, learnt from PRODUCER and
/// SUBSCRIBE, so frames that only name an id (SEND, MESSAGE, ACK …) can be matched by topic.
struct LinkDirectory {
    private var producers: [UInt64: TopicName] = [:]
    private var consumers: [UInt64: TopicName] = [:]

    /// Notes the ids a command introduces.
    mutating func learn(_ command: Command) {
        switch command {
        case .producer(let request): producers[request.producerId] = try? TopicName(request.topic)
        case .subscribe(let request): consumers[request.consumerId] = try? TopicName(request.topic)
        default: break
        }
    }

    /// The topic a command is on, when known.
    func topic(of command: Command) -> TopicName? {
        if let name = command.topicName { return try? TopicName(name) }
        if let id = command.producerId, let topic = producers[id] { return topic }
        if let id = command.consumerId, let topic = consumers[id] { return topic }
        return nil
    }
}

/// What the frames of one read turn into: bytes to pass on in this direction (each with an extra delay, in
/// nanoseconds) and bytes to send back the other way (a refusal, an injected close).
struct FrameEmissions: Equatable {
    var forward: [(bytes: [UInt8], delay: Int64)] = []
    var reply: [UInt8] = []

    static func == (lhs: FrameEmissions, rhs: FrameEmissions) -> Bool {
        lhs.reply == rhs.reply && lhs.forward.map(\.bytes) == rhs.forward.map(\.bytes)
            && lhs.forward.map(\.delay) == rhs.forward.map(\.delay)
    }

    mutating func pass(_ bytes: some Collection<UInt8>, delay: Int64 = 0) {
        if delay == 0, let last = forward.indices.last, forward[last].delay == 0 {
            forward[last].bytes.append(contentsOf: bytes)
        } else {
            forward.append((Array(bytes), delay))
        }
    }
}

/// The Pulsar-aware part of one direction through the proxy, as a plain value: it cuts the byte stream into frames,
/// rewrites the broker's LOOKUP_RESPONSE so the client's next connection comes back through the proxy, and applies
/// the proxy's frame rules.
///
/// ```
///  client ──▶ proxy ──▶ broker          LOOKUP_RESPONSE { brokerServiceUrl: pulsar://broker:6650 }
///  client ◀── proxy ◀── broker    ──▶   LOOKUP_RESPONSE { brokerServiceUrl: pulsar://<proxy>:<port> }
/// ```
/// Without the rewrite an official client connects to the broker it was told about, around the proxy, and every
/// toxic after the lookup misses. Input that is not Pulsar's framing (the first frame's size makes no sense) is
/// passed through untouched from then on: the proxy still works as a plain TCP proxy.
struct FrameStage {
    /// The largest frame the stage cuts out (larger means it is not Pulsar framing after all).
    static let maxFrameSize = 64 * 1024 * 1024

    let direction: ToxicStream
    /// The URL lookups are rewritten to; nil leaves them alone.
    let advertisedServiceURL: String?
    private var decoder = FrameDecoder(maxMessageSize: FrameStage.maxFrameSize, verifiesChecksums: false)
    private(set) var isPassingThrough = false
    /// LOOKUP_RESPONSEs rewritten so far.
    private(set) var rewrittenLookups = 0
    /// A frame held by ``FrameAction/reorderWithNext`` until the next one has passed.
    private var held: [UInt8]?

    /// A stage for `direction` that rewrites lookups to `advertisedServiceURL` (nil: no rewriting).
    init(direction: ToxicStream, advertisedServiceURL: String?) {
        self.direction = direction
        self.advertisedServiceURL = advertisedServiceURL
    }

    /// Bytes read from the source; returns what to pass on and what to send back, in order. Bytes of an incomplete
    /// frame wait for the rest.
    mutating func ingest(_ bytes: [UInt8], directory: inout LinkDirectory, rules: inout FrameRuleBook,
                         now: Int64) -> FrameEmissions {
        var emissions = FrameEmissions()
        if isPassingThrough {
            emissions.pass(bytes)
            return emissions
        }
        decoder.append(bytes)
        while true {
            do {
                guard let raw = try decoder.nextRawFrame() else { break }
                handle(raw, directory: &directory, rules: &rules, now: now, into: &emissions)
            } catch {
                isPassingThrough = true
                if let held { emissions.pass(held) }
                held = nil
                emissions.pass(decoder.takeBufferedBytes())
                break
            }
        }
        return emissions
    }

    /// The source ended: a frame still held for reordering goes out now.
    mutating func finish() -> FrameEmissions {
        var emissions = FrameEmissions()
        if let held { emissions.pass(held) }
        held = nil
        return emissions
    }

    private mutating func handle(_ raw: ArraySlice<UInt8>, directory: inout LinkDirectory, rules: inout FrameRuleBook,
                                 now: Int64, into emissions: inout FrameEmissions) {
        let type = Self.commandType(of: raw)
        let needsDecoding = !rules.isEmpty || type == .producer || type == .subscribe
            || (type == .lookupResponse && advertisedServiceURL != nil)
        guard needsDecoding, let frame = try? Frame(decoding: raw, verifyChecksum: false) else {
            forward(raw, into: &emissions)
            return
        }
        directory.learn(frame.command)
        var bytes = Array(raw)
        if let url = advertisedServiceURL, case .lookupResponse(var response) = frame.command, response.hasBrokerServiceUrl {
            response.brokerServiceUrl = url
            rewrittenLookups += 1
            bytes = FrameEncoder.encode(.lookupResponse(response))
        }
        let facts = FrameFacts(direction: direction, command: frame.command, topic: directory.topic(of: frame.command))
        guard let (_, action) = rules.decide(facts, now: now) else {
            forward(bytes[...], into: &emissions)
            return
        }
        apply(action, to: bytes, command: frame.command, into: &emissions)
    }

    private mutating func apply(_ action: FrameAction, to bytes: [UInt8], command: Command, into emissions: inout FrameEmissions) {
        switch action {
        case .drop:
            break
        case .observe:
            forward(bytes[...], into: &emissions)
        case .delay(let milliseconds):
            emissions.pass(bytes, delay: Int64(milliseconds) * 1_000_000)
            if let held { emissions.pass(held) }   // after the delayed frame, which it was held for
            held = nil
        case .duplicate:
            forward(bytes[...], into: &emissions)
            forward(bytes[...], into: &emissions)
        case .reorderWithNext:
            if let earlier = held { emissions.pass(earlier) }
            held = bytes
        case .corruptChecksum:
            forward(Self.corruptingChecksum(bytes)[...], into: &emissions)
        case .refuse(let error, let message):
            guard direction == .upstream, let answer = command.refusal(error, message: message) else {
                forward(bytes[...], into: &emissions)
                return
            }
            emissions.reply += FrameEncoder.encode(answer)
        case .closeProducer, .closeConsumer:
            forward(bytes[...], into: &emissions)
            let close: Command? = if case .closeProducer = action {
                command.producerId.map { .closeProducer(CommandCloseProducer(producerId: $0, requestId: UInt64.max)) }
            } else {
                command.consumerId.map { .closeConsumer(CommandCloseConsumer(consumerId: $0, requestId: UInt64.max)) }
            }
            guard let close else { return }
            // The close goes to the client: back the other way from an upstream frame, on behind a downstream one.
            if direction == .upstream { emissions.reply += FrameEncoder.encode(close) } else { emissions.pass(FrameEncoder.encode(close)) }
        }
    }

    /// Passes a frame on, followed by the frame a reorder rule held back for it.
    private mutating func forward(_ bytes: ArraySlice<UInt8>, into emissions: inout FrameEmissions) {
        emissions.pass(bytes)
        if let held {
            emissions.pass(held)
            self.held = nil
        }
    }

    /// A copy of a payload frame with one bit of its CRC32C flipped (frames without the 0x0e01 magic are returned as
    /// they are).
    static func corruptingChecksum(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count >= 8 else { return bytes }
        let commandSize = Int(bytes[4]) << 24 | Int(bytes[5]) << 16 | Int(bytes[6]) << 8 | Int(bytes[7])
        let magic = 8 + commandSize
        guard bytes.count >= magic + 6, bytes[magic] == 0x0e, bytes[magic + 1] == 0x01 else { return bytes }
        var copy = bytes
        copy[magic + 2] ^= 0x01
        return copy
    }

    /// The command type of a raw frame without decoding it: BaseCommand's first field is its type (field 1, a
    /// varint), and protobuf writes fields in order.
    static func commandType(of raw: ArraySlice<UInt8>) -> CommandType? {
        let start = raw.startIndex + 8
        guard raw.count > 9, raw[start] == 0x08 else { return nil }
        var value: UInt32 = 0
        var shift: UInt32 = 0
        var index = start + 1
        while index < raw.endIndex, shift < 32 {
            let byte = raw[index]
            value |= UInt32(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return CommandType(rawValue: Int32(bitPattern: value)) }
            shift += 7
            index += 1
        }
        return nil
    }
}
