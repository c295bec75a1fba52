import Testing
@testable import PulsarWire

@Suite("Protobuf reader and writer", .timeLimit(.minutes(2)))
struct ProtobufReaderTests {
    private func readVarint(_ bytes: [UInt8]) throws -> UInt64 {
        try bytes.withUnsafeBytes { buffer in
            var reader = ProtobufReader(buffer, messageName: "Test")
            return try reader.readVarint()
        }
    }

    @Test("varints of every length decode", arguments: [
        ([0x00], UInt64(0)), ([0x01], 1), ([0x7f], 127), ([0x80, 0x01], 128), ([0xac, 0x02], 300),
        ([0xff, 0xff, 0xff, 0xff, 0x0f], 0xffff_ffff),
        ([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], UInt64.max),
    ] as [([UInt8], UInt64)])
    func varints(bytes: [UInt8], value: UInt64) throws {
        #expect(try readVarint(bytes) == value)
        var writer = ProtobufWriter()
        writer.writeVarint(value)
        #expect(writer.bytes == bytes)
        #expect(ProtobufWriter.varintSize(value) == bytes.count)
    }

    @Test("an eleven-byte or overflowing varint is malformed, a cut one truncated")
    func badVarints() {
        #expect { try readVarint([UInt8](repeating: 0x80, count: 10) + [0x01]) } throws: {
            ($0 as? WireError)?.code == .malformedVarint
        }
        #expect { try readVarint([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]) } throws: {
            ($0 as? WireError)?.code == .malformedVarint
        }
        #expect { try readVarint([0x80, 0x80]) } throws: { ($0 as? WireError)?.code == .truncated }
    }

    @Test("negative int32 is a ten-byte sign-extended varint, not zigzag")
    func negativeInt32() throws {
        let id = MessageIdData(ledgerId: 1, entryId: 2, partition: -1, batchIndex: -2)
        let bytes = id.serializedBytes()
        // field 3 (partition) = -1: tag 0x18 then ten bytes.
        #expect(bytes == [0x08, 0x01, 0x10, 0x02, 0x18] + [UInt8](repeating: 0xff, count: 9) + [0x01]
            + [0x20, 0xfe] + [UInt8](repeating: 0xff, count: 8) + [0x01])
        let decoded = try MessageIdData(serializedBytes: bytes)
        #expect(decoded.partition == -1)
        #expect(decoded.batchIndex == -2)
        #expect(decoded == id)
    }

    @Test("proto2 defaults apply to absent optional fields and presence is tracked")
    func defaults() throws {
        let decoded = try MessageIdData(serializedBytes: [0x08, 0x05, 0x10, 0x06])
        #expect(decoded.partition == -1)
        #expect(decoded.batchIndex == -1)
        #expect(!decoded.hasPartition)
        #expect(decoded.firstChunkMessageId == nil)
        let subscribe = try CommandSubscribe(serializedBytes: CommandSubscribe(
            topic: "t", subscription: "s", subType: .shared, consumerId: 1, requestId: 2).serializedBytes())
        #expect(subscribe.durable)
        #expect(subscribe.forceTopicCreation)
        #expect(subscribe.initialPosition == .latest)
        #expect(!subscribe.hasDurable)
        let producerSuccess = CommandProducerSuccess(requestId: 1, producerName: "p")
        #expect(producerSuccess.lastSequenceId == -1)
        #expect(producerSuccess.producerReady)
    }

    @Test("a missing required field throws naming the message and the field")
    func missingRequired() {
        // MessageIdData with only entryId (field 2).
        #expect { try MessageIdData(serializedBytes: [0x10, 0x06]) } throws: { error in
            guard let error = error as? WireError else { return false }
            return error.code == .missingRequiredField && error.message.contains("MessageIdData")
                && error.message.contains("ledgerId")
        }
        #expect { try CommandSend(serializedBytes: [0x08, 0x01]) } throws: { error in
            (error as? WireError)?.message.contains("sequenceId") == true
        }
    }

    @Test("unknown fields of every wire type are skipped and re-emitted unchanged")
    func unknownFields() throws {
        let unknown: [UInt8] = [
            0xc8, 0x06, 0x2a,                                     // field 105 varint 42
            0xd1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8,                   // field 106 fixed64
            0xda, 0x06, 0x03, 0x61, 0x62, 0x63,                   // field 107 bytes "abc"
            0xe5, 0x06, 9, 9, 9, 9,                               // field 108 fixed32
            0xeb, 0x06, 0x08, 0x01, 0xec, 0x06,                   // field 109 group { field 1 varint }
        ]
        let bytes: [UInt8] = [0x08, 0x07, 0x10, 0x09] + unknown
        let decoded = try MessageIdData(serializedBytes: bytes)
        #expect(decoded.ledgerId == 7)
        #expect(decoded.entryId == 9)
        #expect(decoded.unknownFields == unknown)
        #expect(decoded.serializedBytes() == bytes)
    }

    @Test("nested groups are skipped without recursion; nesting beyond 100 is refused, not a stack overflow")
    func nestedGroups() throws {
        // field 13 start-group (0x6b) 100 times, a varint inside, then 100 end-groups (0x6c): accepted.
        let nested: [UInt8] = Array(repeating: 0x6b, count: 100) + [0x08, 0x01] + Array(repeating: 0x6c, count: 100)
        let decoded = try MessageIdData(serializedBytes: [0x08, 0x07, 0x10, 0x09] + nested)
        #expect(decoded.ledgerId == 7 && decoded.unknownFields == nested)
        // 200,000 open groups (what libFuzzer found, at scale): refused with a clear error.
        let deep: [UInt8] = [0x08, 0x07, 0x10, 0x09] + Array(repeating: 0x6b, count: 200_000)
        #expect { try MessageIdData(serializedBytes: deep) } throws: { error in
            (error as? WireError)?.message.contains("nested deeper than 100") == true
        }
    }

    @Test("repeated scalars are accepted packed and unpacked")
    func packedAndUnpacked() throws {
        let unpacked: [UInt8] = [0x08, 0x01, 0x10, 0x02, 0x28, 0x03, 0x28, 0x7f]
        let packed: [UInt8] = [0x08, 0x01, 0x10, 0x02, 0x2a, 0x02, 0x03, 0x7f]
        let fromUnpacked = try MessageIdData(serializedBytes: unpacked)
        let fromPacked = try MessageIdData(serializedBytes: packed)
        #expect(fromUnpacked.ackSet == [3, 127])
        #expect(fromPacked.ackSet == [3, 127])
        #expect(fromPacked.serializedBytes() == unpacked, "proto2 writes repeated scalars unpacked")
    }

    @Test("a length prefix that runs past the end is an error, not a crash")
    func lengthPastEnd() {
        #expect { try KeyValue(serializedBytes: [0x0a, 0x05, 0x61]) } throws: { ($0 as? WireError)?.code == .invalidLength }
    }

    @Test("field number zero and wire types 6 and 7 are rejected")
    func invalidTags() {
        #expect(throws: WireError.self) { try KeyValue(serializedBytes: [0x00, 0x01]) }
        #expect(throws: WireError.self) { try KeyValue(serializedBytes: [0x0e, 0x01]) }
        #expect(throws: WireError.self) { try KeyValue(serializedBytes: [0x0f, 0x01]) }
    }

    @Test("sub-message lengths of two or more bytes are written minimally")
    func longSubMessage() throws {
        let value = String(repeating: "x", count: 300)
        let metadata = MessageMetadata(producerName: "p", sequenceId: 1, publishTime: 2, properties: [KeyValue(key: "k", value: value)])
        let bytes = metadata.serializedBytes()
        #expect(try MessageMetadata(serializedBytes: bytes) == metadata)
        // properties field tag (0x22), then the length 306 (3 + 3 + 300) as a two-byte varint.
        let index = try #require(bytes.firstIndex(of: 0x22))
        #expect(bytes[index + 1] == 0xb2 && bytes[index + 2] == 0x02)
    }

    @Test("unknown enum values stay representable")
    func unknownEnum() throws {
        let error = try CommandError(serializedBytes: [0x08, 0x01, 0x10, 0x63, 0x1a, 0x00])
        #expect(error.error.rawValue == 99)
        #expect(!error.error.isKnown)
        #expect(error.error.description == "ServerError(99)")
        #expect(ServerError.producerBusy.description == "ProducerBusy")
        #expect(error.serializedBytes() == [0x08, 0x01, 0x10, 0x63, 0x1a, 0x00])
    }

    @Test("doubles use fixed64 little-endian")
    func doubles() throws {
        let stats = CommandConsumerStatsResponse(requestId: 1, msgRateOut: 1.5)
        let bytes = stats.serializedBytes()
        #expect(bytes == [0x08, 0x01, 0x21, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f])
        #expect(try CommandConsumerStatsResponse(serializedBytes: bytes).msgRateOut == 1.5)
    }
}
