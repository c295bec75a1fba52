import Testing
@testable import PulsarWire

@Suite("Frame decoder", .timeLimit(.minutes(2)))
struct FrameDecoderTests {
    private let send = Command.send(CommandSend(producerId: 1, sequenceId: 7, numMessages: 1))
    private let metadata = MessageMetadata(producerName: "p-1", sequenceId: 7, publishTime: 1_700_000_000_000,
                                           properties: [KeyValue(key: "a", value: "b")], partitionKey: "k")

    private func sendFrame(payload: [UInt8] = Array("hello".utf8)) -> [UInt8] {
        var bytes: [UInt8] = []
        FrameEncoder.encode(send, metadata: metadata, payload: payload, into: &bytes)
        return bytes
    }

    private func expectError(_ code: WireError.Code, _ bytes: [UInt8], maxMessageSize: Int = FrameDecoder.defaultMaxMessageSize,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        var decoder = FrameDecoder(maxMessageSize: maxMessageSize)
        decoder.append(bytes)
        #expect(sourceLocation: sourceLocation) { _ = try decoder.next() } throws: { ($0 as? WireError)?.code == code }
    }

    @Test("a SEND frame decodes to its command, metadata and payload")
    func sendFrameDecodes() throws {
        let frames = try FrameDecoderVerifier.whole(sendFrame())
        let frame = try #require(frames.first)
        #expect(frame.command == send)
        let entry = try #require(frame.entry)
        #expect(try entry.metadata() == metadata)
        #expect(Array(entry.payload) == Array("hello".utf8))
        #expect(entry.isChecksumValid)
        #expect(entry.bytes.first == 0x0e)
    }

    @Test("frames split at every byte, in random chunks and concatenated come out the same")
    func splits() throws {
        let stream = sendFrame() + FrameEncoder.encode(.ping(CommandPing())) + sendFrame(payload: []) + sendFrame()
        let expected = try FrameDecoderVerifier.whole(stream)
        #expect(expected.count == 4)
        #expect(try FrameDecoderVerifier.byteAtATime(stream) == expected)
        for seed in UInt64(0)..<20 { #expect(try FrameDecoderVerifier.randomChunks(stream, seed: seed) == expected) }
    }

    @Test("an incomplete frame returns nil and keeps its bytes")
    func incomplete() throws {
        let frame = sendFrame()
        var decoder = FrameDecoder()
        decoder.append(Array(frame.dropLast()))
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == frame.count - 1)
        decoder.append([frame.last!])
        #expect(try decoder.next() != nil)
        #expect(try decoder.next() == nil)
    }

    @Test("a frame over the maximum size is refused from its header alone")
    func tooLarge() {
        // Only the size header: the decoder must not wait for 100 MiB to arrive.
        expectError(.frameTooLarge, [0x06, 0x40, 0x00, 0x00])
        let big = sendFrame(payload: [UInt8](repeating: 1, count: 2048))
        expectError(.frameTooLarge, big, maxMessageSize: 1024 - FrameDecoder.framePadding + 1024)
    }

    @Test("sizes that lie are malformed")
    func lyingSizes() {
        expectError(.invalidFrameSize, [0x00, 0x00, 0x00, 0x02, 0x00, 0x00])                 // total < 4
        expectError(.invalidFrameSize, [0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x09])     // command > total - 4
        var frame = sendFrame()
        // metadata size (after 0x0e01 + crc) claims more than the frame holds.
        let entryStart = frame.firstIndex(of: 0x0e)!
        frame[entryStart + 6] = 0x7f
        expectError(.invalidFrameSize, frame)
    }

    @Test("a bad magic number after the command is malformed")
    func badMagic() {
        var frame = sendFrame()
        let entryStart = frame.firstIndex(of: 0x0e)!
        frame[entryStart + 1] = 0x07
        expectError(.badMagic, frame)
    }

    @Test("a truncated protobuf inside a complete frame is malformed")
    func truncatedProtobuf() {
        // BaseCommand claims a 10-byte sub-command with 2 bytes present.
        let command: [UInt8] = [0x08, 0x06, 0x32, 0x0a, 0x08, 0x01]
        expectError(.invalidLength, [0, 0, 0, UInt8(command.count + 4), 0, 0, 0, UInt8(command.count)] + command)
    }

    @Test("a bad checksum is its own error, carries the frame, and decoding continues")
    func badChecksum() throws {
        var corrupt = sendFrame()
        corrupt[corrupt.count - 1] ^= 0xff
        var decoder = FrameDecoder()
        decoder.append(corrupt + FrameEncoder.encode(.ping(CommandPing())))
        do {
            _ = try decoder.next()
            Issue.record("expected a checksum error")
        } catch let error as WireError {
            #expect(error.code == .checksumMismatch)
            #expect(error.frame?.command == send, "the broker needs the producer id and sequence id for SEND_ERROR")
        }
        #expect(try decoder.next()?.command == .ping(CommandPing()))
    }

    @Test("checksum verification can be turned off")
    func checksumOff() throws {
        var corrupt = sendFrame()
        corrupt[corrupt.count - 1] ^= 0xff
        var decoder = FrameDecoder(verifiesChecksums: false)
        decoder.append(corrupt)
        let frame = try #require(try decoder.next())
        #expect(frame.entry?.isChecksumValid == false)
    }

    @Test("after a fatal error every call throws the same error")
    func poisoned() {
        var decoder = FrameDecoder()
        decoder.append([0x00, 0x00, 0x00, 0x02, 0x00, 0x00])
        #expect(throws: WireError.self) { try decoder.next() }
        decoder.append(FrameEncoder.encode(.ping(CommandPing())))
        #expect { try decoder.next() } throws: { ($0 as? WireError)?.code == .invalidFrameSize }
    }

    @Test("an entry without checksum (protocol < 6) is accepted")
    func noChecksum() throws {
        let metadataBytes = metadata.serializedBytes()
        let command = send.serializedBytes()
        var frame: [UInt8] = []
        let total = 4 + command.count + 4 + metadataBytes.count + 2
        frame += [UInt8(total >> 24), UInt8((total >> 16) & 0xff), UInt8((total >> 8) & 0xff), UInt8(total & 0xff)]
        frame += [0, 0, 0, UInt8(command.count)] + command
        frame += [0, 0, 0, UInt8(metadataBytes.count)] + metadataBytes + [0x68, 0x69]
        let decoded = try #require(try FrameDecoderVerifier.whole(frame).first)
        #expect(decoded.entry?.checksum == nil)
        #expect(decoded.entry.map { Array($0.payload) } == [0x68, 0x69])
        #expect(try decoded.entry?.metadata() == metadata)
    }

    @Test("broker entry metadata is decoded and re-encoded in front of the entry")
    func brokerEntryMetadata() throws {
        let entry = MessageEntry(metadata: metadata, payload: [1, 2, 3])
        let message = Command.message(CommandMessage(consumerId: 4, messageId: MessageIdData(ledgerId: 5, entryId: 6)))
        let bem = BrokerEntryMetadata(brokerTimestamp: 123, index: 9)
        let bytes = FrameEncoder.encode(message, brokerEntryMetadata: bem, entry: entry)
        let frame = try #require(try FrameDecoderVerifier.byteAtATime(bytes).first)
        #expect(frame == Frame(command: message, brokerEntryMetadata: bem, entry: entry))
    }

    @Test("a stored entry is replayed byte for byte")
    func entryReplay() throws {
        let original = try #require(try FrameDecoderVerifier.whole(sendFrame()).first?.entry)
        let message = Command.message(CommandMessage(consumerId: 1, messageId: MessageIdData(ledgerId: 1, entryId: 0)))
        let replayed = FrameEncoder.encode(message, entry: original)
        #expect(replayed.suffix(original.bytes.count).elementsEqual(original.bytes))
        #expect(try FrameDecoderVerifier.whole(replayed).first?.entry == original)
    }
}
