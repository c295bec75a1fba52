import Testing
import PulsarWire

@Suite("Batch payloads", .timeLimit(.minutes(2)))
struct BatchTests {
    private let messages = [
        BatchedMessage(metadata: SingleMessageMetadata(properties: [KeyValue(key: "x", value: "1")], partitionKey: "k1",
                                                       payloadSize: 0, eventTime: 42, orderingKey: [1, 2], sequenceId: 10),
                       payload: Array("first".utf8)[...]),
        BatchedMessage(metadata: SingleMessageMetadata(payloadSize: 0, nullValue: true), payload: []),
        BatchedMessage(metadata: SingleMessageMetadata(partitionKey: "k3", payloadSize: 0, sequenceId: 12),
                       payload: [UInt8](repeating: 7, count: 300)[...]),
    ]

    @Test("encode then decode gives back every message with its metadata")
    func roundTrip() throws {
        let payload = BatchCodec.encode(messages)
        let decoded = try BatchCodec.decode(payload[...], count: messages.count)
        #expect(decoded == messages)
        #expect(decoded[0].metadata.payloadSize == 5)
        #expect(decoded[1].metadata.nullValue)
        #expect(decoded[2].metadata.sequenceId == 12)
    }

    @Test("a batch with fewer messages than announced is malformed")
    func tooFew() {
        let payload = BatchCodec.encode(messages)
        #expect { try BatchCodec.decode(payload[...], count: 4) } throws: { ($0 as? WireError)?.code == .malformedBatch }
        #expect { try BatchCodec.decode(payload.dropLast(), count: 3) } throws: { ($0 as? WireError)?.code == .malformedBatch }
        #expect { try BatchCodec.decode(payload[...], count: -1) } throws: { ($0 as? WireError)?.code == .malformedBatch }
    }

    @Test("a payload size that lies is malformed")
    func lyingSize() {
        var payload = BatchCodec.encode([messages[0]])
        // payload_size field (tag 0x18) set to 100.
        let index = payload.firstIndex(of: 0x18)!
        payload[index + 1] = 100
        #expect { try BatchCodec.decode(payload[...], count: 1) } throws: { ($0 as? WireError)?.code == .malformedBatch }
    }
}
