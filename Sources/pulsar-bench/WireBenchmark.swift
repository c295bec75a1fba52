import PulsarWire

/// `pulsar-bench wire`: codec rates on one core.
enum WireBenchmark {
    static func run(arguments: [String]) {
        if let index = arguments.firstIndex(of: "--profile-decode") {
            // Spin on one case for a profiler: decode 100-byte SEND frames for N seconds.
            let seconds = Int(arguments.dropFirst(index + 1).first ?? "3") ?? 3
            profileDecode(seconds: seconds, withMetadata: arguments.contains("--metadata"))
            return
        }
        say("pulsar-bench wire — release build required for meaningful figures; best of 5 rounds")
        let widths = [44, 12, 12, 14]
        say(row(["case", "ns/op", "ops/s", "MB/s"], widths: widths))
        for size in [100, 10 * 1024] {
            for (name, nanos, bytes) in cases(payloadSize: size) {
                let perSecond = 1e9 / nanos
                say(row([name, format(nanos), format(perSecond / 1e6, 2) + " M", format(perSecond * Double(bytes) / 1e6, 0)],
                          widths: widths))
            }
        }
        let data = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let crcTime = measure(iterations: 200) { blackHole(CRC32C.checksum(data)) }
        let gigabytesPerSecond = Double(data.count) / crcTime.nanoseconds
        say(row(["CRC32C, 1 MiB buffer", format(crcTime.nanoseconds, 0), "", format(gigabytesPerSecond * 1000, 0)], widths: widths))
        say("CRC32C: \(format(gigabytesPerSecond, 2)) GB/s (target ≥ 1.5 GB/s)")
    }

    static func profileDecode(seconds: Int, withMetadata: Bool) {
        let metadata = MessageMetadata(producerName: "standalone-0-17", sequenceId: 1, publishTime: 1_764_000_000_000,
                                       properties: [KeyValue(key: "trace", value: "abc123")], partitionKey: "user-42")
        var frame: [UInt8] = []
        FrameEncoder.encode(.send(CommandSend(producerId: 1, sequenceId: 1)), metadata: metadata,
                            payload: [UInt8](repeating: 0x61, count: 100), into: &frame)
        let stream = Array([[UInt8]](repeating: frame, count: 1024).joined())
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(seconds)
        var frames = 0
        while clock.now < deadline {
            var decoder = FrameDecoder()
            decoder.append(stream)
            while let decoded = try! decoder.next() {
                if withMetadata { blackHole(try! decoded.entry!.metadata()) }
                blackHole(decoded)
                frames += 1
            }
        }
        say("decoded \(frames) frames")
    }

    /// (name, ns per operation, bytes per operation) for one payload size.
    static func cases(payloadSize: Int) -> [(String, Double, Int)] {
        let label = payloadSize >= 1024 ? "\(payloadSize / 1024) KiB" : "\(payloadSize) B"
        let payload = [UInt8](repeating: 0x61, count: payloadSize)
        let metadata = MessageMetadata(producerName: "standalone-0-17", sequenceId: 12345, publishTime: 1_764_000_000_000,
                                       properties: [KeyValue(key: "trace", value: "abc123")], partitionKey: "user-42")
        let send = Command.send(CommandSend(producerId: 1, sequenceId: 12345, numMessages: 1))
        var sendFrame: [UInt8] = []
        FrameEncoder.encode(send, metadata: metadata, payload: payload, into: &sendFrame)
        let entry = MessageEntry(metadata: metadata, payload: payload)
        let message = Command.message(CommandMessage(consumerId: 3, messageId: MessageIdData(ledgerId: 7, entryId: 99_999),
                                                     redeliveryCount: 0))
        let messageFrame = FrameEncoder.encode(message, entry: entry)

        // Many frames in one buffer, as a socket read delivers them.
        let batchCount = payloadSize > 1024 ? 64 : 1024
        let sendStream = Array([[UInt8]](repeating: sendFrame, count: batchCount).joined())
        let messageStream = Array([[UInt8]](repeating: messageFrame, count: batchCount).joined())

        func decodeAll(_ stream: [UInt8], metadata decodeMetadata: Bool) {
            var decoder = FrameDecoder()
            decoder.append(stream)
            var count = 0
            while let frame = try! decoder.next() {
                if decodeMetadata { blackHole(try! frame.entry!.metadata()) }
                count += 1
            }
            precondition(count == batchCount)
        }

        let decodeSend = measure(iterations: 20) { decodeAll(sendStream, metadata: false) }.nanoseconds / Double(batchCount)
        let decodeSendMeta = measure(iterations: 20) { decodeAll(sendStream, metadata: true) }.nanoseconds / Double(batchCount)
        let decodeMessage = measure(iterations: 20) { decodeAll(messageStream, metadata: true) }.nanoseconds / Double(batchCount)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(sendFrame.count * batchCount)
        let encodeSend = measure(iterations: 20) {
            buffer.removeAll(keepingCapacity: true)
            for _ in 0..<batchCount { FrameEncoder.encode(send, metadata: metadata, payload: payload, into: &buffer) }
            blackHole(buffer.count)
        }.nanoseconds / Double(batchCount)
        let encodeMessage = measure(iterations: 20) {
            buffer.removeAll(keepingCapacity: true)
            for _ in 0..<batchCount { FrameEncoder.encode(message, entry: entry, into: &buffer) }
            blackHole(buffer.count)
        }.nanoseconds / Double(batchCount)
        return [
            ("decode SEND \(label) (command + CRC)", decodeSend, sendFrame.count),
            ("decode SEND \(label) (+ metadata)", decodeSendMeta, sendFrame.count),
            ("decode MESSAGE \(label) (+ metadata)", decodeMessage, messageFrame.count),
            ("encode SEND \(label) (metadata + CRC)", encodeSend, sendFrame.count),
            ("encode MESSAGE \(label) (stored entry)", encodeMessage, messageFrame.count),
        ]
    }
}
