import Testing
@testable import PulsarWire

/// Golden frames captured from the official Apache client (PyPI pulsar-client, C++ core) and from an independent
/// broker (PyPI pulsar-lite): every one must decode, and re-encode to the same bytes.
@Suite("Golden frames from the official client and pulsar-lite", .timeLimit(.minutes(2)))
struct FixtureTests {
    static let fixtures = FrameFixture.all

    @Test("the fixture set is present and covers both sides")
    func present() {
        #expect(Self.fixtures.count >= 80)
        #expect(Self.fixtures.contains { $0.name.hasPrefix("client-") })
        #expect(Self.fixtures.contains { $0.name.hasPrefix("broker-pulsar-lite-") })
        for fixture in Self.fixtures {
            #expect(fixture.header["source"] != nil && fixture.header["command"] != nil, "\(fixture.name) lacks provenance")
        }
    }

    @Test("each fixture decodes to the command its header names, and re-encodes byte for byte", arguments: fixtures)
    func decodesAndReencodes(fixture: FrameFixture) throws {
        let frames = try FrameDecoderVerifier.whole(fixture.bytes)
        #expect(frames.count == 1)
        let frame = try #require(frames.first)
        let expectedName = try #require(fixture.header["command"])
        #expect(frame.command.type.name == expectedName)
        if case .unknown = frame.command { Issue.record("\(fixture.name) decoded as an unknown command") }
        // Re-encode: the BaseCommand canonically, the entry verbatim.
        let reencoded: [UInt8]
        if let entry = frame.entry {
            reencoded = FrameEncoder.encode(frame.command, brokerEntryMetadata: frame.brokerEntryMetadata, entry: entry)
            #expect(entry.isChecksumValid)
            _ = try entry.metadata()
        } else {
            reencoded = FrameEncoder.encode(frame.command)
        }
        #expect(reencoded == fixture.bytes, "\(fixture.name) does not re-encode to the captured bytes")
    }

    @Test("each fixture decodes the same fed one byte at a time", arguments: fixtures)
    func byteAtATime(fixture: FrameFixture) throws {
        #expect(try FrameDecoderVerifier.byteAtATime(fixture.bytes) == FrameDecoderVerifier.whole(fixture.bytes))
    }

    @Test("all fixtures concatenated decode to the same frames, in order, however the stream is cut")
    func concatenated() throws {
        let stream = Self.fixtures.flatMap(\.bytes)
        let expected = try Self.fixtures.map { try #require(try FrameDecoderVerifier.whole($0.bytes).first) }
        #expect(try FrameDecoderVerifier.whole(stream) == expected)
        for seed in UInt64(1)...5 { #expect(try FrameDecoderVerifier.randomChunks(stream, seed: seed) == expected) }
    }

    @Test("batched fixtures unpack into their announced messages")
    func batches() throws {
        var unpacked = 0
        for fixture in Self.fixtures where fixture.name.contains("batched") {
            let frame = try #require(try FrameDecoderVerifier.whole(fixture.bytes).first)
            guard let entry = frame.entry else { continue }
            let metadata = try entry.metadata()
            guard metadata.compression == .none else { continue }
            #expect(metadata.hasNumMessagesInBatch)
            let messages = try BatchCodec.decode(entry.payload, count: Int(metadata.numMessagesInBatch))
            #expect(messages.count == Int(metadata.numMessagesInBatch), "\(fixture.name)")
            unpacked += 1
        }
        #expect(unpacked >= 3, "client and broker batches, uncompressed")
    }

    @Test("the official client's SEND and pulsar-lite's MESSAGE carry the same entry bytes apart from the checksum")
    func sendAndMessageAgree() throws {
        let send = try #require(Self.fixtures.first { $0.name == "client-send.hex" })
        let message = try #require(Self.fixtures.first { $0.name == "broker-pulsar-lite-message.hex" })
        let sendEntry = try #require(try FrameDecoderVerifier.whole(send.bytes).first?.entry)
        let messageEntry = try #require(try FrameDecoderVerifier.whole(message.bytes).first?.entry)
        #expect(sendEntry.checksum != nil)
        #expect(messageEntry.checksum == nil, "pulsar-lite strips the checksum section")
        #expect(try sendEntry.metadata().producerName == messageEntry.metadata().producerName)
    }
}
