import Testing
import PulsarWire
@testable import PulsarFaults

/// Frame rules as values: frames in, what the proxy forwards and answers out, no sockets.
@Suite("Frame rules")
struct FrameRuleTests {
    private let ms: Int64 = 1_000_000

    private func frame(_ command: Command, payload: String? = nil) -> [UInt8] {
        guard let payload else { return FrameEncoder.encode(command) }
        var bytes: [UInt8] = []
        FrameEncoder.encode(command, metadata: MessageMetadata(producerName: "p", sequenceId: 0, publishTime: 1),
                            payload: Array(payload.utf8), into: &bytes)
        return bytes
    }

    private func send(_ sequence: UInt64, producer: UInt64 = 1) -> [UInt8] {
        frame(.send(CommandSend(producerId: producer, sequenceId: sequence)), payload: "m\(sequence)")
    }

    private func commands(_ bytes: [UInt8]) -> [Command] {
        var decoder = FrameDecoder(verifiesChecksums: false)
        decoder.append(bytes)
        var result: [Command] = []
        while let frame = try? decoder.next() { result.append(frame.command) }
        return result
    }

    /// Runs frames through a stage with `rules`; returns what is forwarded (flattened) and replied.
    private func run(_ rules: [FrameRule], _ frames: [[UInt8]], direction: ToxicStream = .upstream,
                     byteAtATime: Bool = false) -> (forward: [UInt8], reply: [UInt8]) {
        var book = FrameRuleBook(seed: 7)
        for rule in rules { book.add(rule, now: 0) }
        var stage = FrameStage(direction: direction, advertisedServiceURL: nil)
        var directory = LinkDirectory()
        var forward: [UInt8] = []
        var reply: [UInt8] = []
        let chunks = byteAtATime ? frames.flatMap { $0.map { [$0] } } : frames
        for chunk in chunks {
            let emissions = stage.ingest(chunk, directory: &directory, rules: &book, now: 0)
            forward += emissions.forward.flatMap(\.bytes)
            reply += emissions.reply
        }
        forward += stage.finish().forward.flatMap(\.bytes)
        return (forward, reply)
    }

    private func sequences(_ bytes: [UInt8]) -> [UInt64] {
        commands(bytes).compactMap { if case .send(let send) = $0 { send.sequenceId } else { nil } }
    }

    @Test("drop with after and count: the second and third SEND vanish, the others pass in order")
    func dropAfterCount() {
        let rule = FrameRule("drop", match: FrameMatch(commands: ["send"]), action: .drop, count: 2, after: 1)
        let frames = (0..<5).map { send(UInt64($0)) }
        #expect(sequences(run([rule], frames).forward) == [0, 3, 4])
        #expect(sequences(run([rule], frames, byteAtATime: true).forward) == [0, 3, 4], "the same fed a byte at a time")
    }

    @Test("duplicate and reorder-with-next")
    func duplicateAndReorder() {
        let duplicate = FrameRule("dup", match: FrameMatch(commands: ["SEND"]), action: .duplicate, count: 1)
        #expect(sequences(run([duplicate], [send(0), send(1)]).forward) == [0, 0, 1])
        let reorder = FrameRule("swap", match: FrameMatch(commands: ["SEND"]), action: .reorderWithNext, count: 1)
        #expect(sequences(run([reorder], [send(0), send(1), send(2)]).forward) == [1, 0, 2])
        #expect(sequences(run([reorder], [send(0)]).forward) == [0], "a held frame still leaves when the stream ends")
    }

    @Test("a corrupted checksum fails verification; a frame without payload passes unchanged")
    func corruptChecksum() throws {
        let rule = FrameRule("crc", match: FrameMatch(commands: ["SEND", "PING"]), action: .corruptChecksum)
        let output = run([rule], [send(0)]).forward
        var strict = FrameDecoder()
        strict.append(output)
        #expect(throws: WireError.self) { _ = try strict.next() }
        let ping = frame(.ping(CommandPing()))
        #expect(run([rule], [ping]).forward == ping)
    }

    @Test("refuse answers an upstream request the way the broker would, and forwards nothing")
    func refuse() {
        let rule = FrameRule("refuse", match: FrameMatch(commands: ["PRODUCER", "SEND"]), action: .refuse(.serviceNotReady, message: "no"))
        let producer = frame(.producer(CommandProducer(topic: "t", producerId: 1, requestId: 9)))
        let result = run([rule], [producer, send(4)])
        #expect(result.forward.isEmpty)
        #expect(commands(result.reply) == [
            .error(CommandError(requestId: 9, error: .serviceNotReady, message: "no")),
            .sendError(CommandSendError(producerId: 1, sequenceId: 4, error: .serviceNotReady, message: "no")),
        ])
        let downstream = run([rule], [frame(.producer(CommandProducer(topic: "t", producerId: 1, requestId: 9)))], direction: .downstream)
        #expect(downstream.reply.isEmpty && !downstream.forward.isEmpty, "not a request in that direction: passes")
    }

    @Test("topics are learnt from PRODUCER, so a SEND matches by topic; a partitioned topic matches its partitions")
    func topicMatching() {
        let rule = FrameRule("orders", match: FrameMatch(commands: ["SEND"], topic: "orders"), action: .drop)
        let frames = [
            frame(.producer(CommandProducer(topic: "persistent://public/default/orders-partition-1", producerId: 1, requestId: 1))),
            frame(.producer(CommandProducer(topic: "billing", producerId: 2, requestId: 2))),
            send(0, producer: 1), send(1, producer: 2),
        ]
        #expect(sequences(run([rule], frames).forward) == [1])
    }

    @Test("inject CLOSE_PRODUCER after a SEND goes back to the client; after a receipt it follows it")
    func injectClose() {
        let upstream = FrameRule("close", match: FrameMatch(commands: ["SEND"]), action: .closeProducer, count: 1)
        let result = run([upstream], [send(0)])
        #expect(sequences(result.forward) == [0])
        #expect(commands(result.reply) == [.closeProducer(CommandCloseProducer(producerId: 1, requestId: UInt64.max))])

        let receipt = frame(.sendReceipt(CommandSendReceipt(producerId: 3, sequenceId: 0)))
        let downstream = run([FrameRule("c", match: FrameMatch(commands: ["SEND_RECEIPT"]), action: .closeProducer)], [receipt],
                             direction: .downstream)
        #expect(commands(downstream.forward).map(\.type) == [.sendReceipt, .closeProducer])
    }

    @Test("presets: PONGs are dropped both ways; CONNECTED never reaches the client")
    func presets() {
        let pong = frame(.pong(CommandPong()))
        #expect(run([.stopAnsweringPings()], [pong]).forward.isEmpty)
        #expect(run([.stopAnsweringPings()], [pong], direction: .downstream).forward.isEmpty)
        let connected = frame(.connected(CommandConnected(serverVersion: "x", protocolVersion: 21)))
        #expect(run([.stallHandshake()], [connected], direction: .downstream).forward.isEmpty)
        #expect(run([.stallHandshake()], [connected], direction: .upstream).forward == connected)
    }

    @Test("probability follows the seed; a time window opens and closes")
    func probabilityAndWindow() {
        func fired(seed: UInt64) -> [Bool] {
            var book = FrameRuleBook(seed: seed)
            book.add(FrameRule("coin", match: FrameMatch(), action: .drop, probability: 0.5), now: 0)
            let facts = FrameFacts(direction: .upstream, command: .ping(CommandPing()), topic: nil)
            return (0..<64).map { _ in book.decide(facts, now: 0) != nil }
        }
        #expect(fired(seed: 3) == fired(seed: 3))
        #expect(fired(seed: 3).contains(true) && fired(seed: 3).contains(false))

        var book = FrameRuleBook(seed: 1)
        book.add(FrameRule("window", match: FrameMatch(), action: .drop, activeFrom: 100, activeUntil: 200), now: 0)
        let facts = FrameFacts(direction: .upstream, command: .ping(CommandPing()), topic: nil)
        #expect(book.decide(facts, now: 50 * ms) == nil)
        #expect(book.decide(facts, now: 150 * ms) != nil)
        #expect(book.decide(facts, now: 250 * ms) == nil)
        #expect(book.firings == ["window": 1])
    }

    @Test("a delayed frame holds back what follows it (order kept)")
    func delay() {
        var book = FrameRuleBook(seed: 1)
        book.add(FrameRule("slow", match: FrameMatch(commands: ["SEND"]), action: .delay(milliseconds: 40), count: 1), now: 0)
        var stage = FrameStage(direction: .upstream, advertisedServiceURL: nil)
        var directory = LinkDirectory()
        var toxics = ToxicStage(seed: 1)
        for bytes in [send(0), send(1)] {
            for (chunk, extra) in stage.ingest(bytes, directory: &directory, rules: &book, now: 0).forward {
                toxics.ingest(chunk, now: 0, extraDelay: extra)
            }
        }
        #expect(toxics.takeDue(now: 39 * ms).chunks.isEmpty)
        #expect(sequences(toxics.takeDue(now: 40 * ms).chunks.flatMap { $0 }) == [0, 1])
    }
}
