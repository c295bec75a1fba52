import Testing
@testable import PulsarWire

/// A `BaseCommand` may repeat its `type` field; protobuf says the last one wins. Hostile peers use that to make a
/// decoder loop or recurse: these cases must decode once, with bounded work.
@Suite("Command envelope with repeated type fields", .timeLimit(.minutes(2)))
struct EnvelopeMergeTests {
    @Test("the 14-byte frame that crashed the emulator before CONNECT decodes (last type wins)")
    func crashFrame() throws {
        // size 10, command size 6: type = ACK (10), an empty ack (field 10), then type = 0.
        let frame: [UInt8] = [0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x06, 0x08, 0x0a, 0x52, 0x00, 0x08, 0x00]
        var decoder = FrameDecoder()
        decoder.append(frame)
        let decoded = try #require(try decoder.next())
        #expect(decoded.command.type == CommandType(rawValue: 0))
        #expect(!decoded.command.type.isKnown)
        #expect(try decoder.next() == nil)
    }

    @Test("a later type field that names another command decodes that command")
    func laterTypeWins() throws {
        // type = PING (18), PING {}, type = PONG (19), PONG {}.
        let bytes: [UInt8] = [0x08, 0x12, 0x92, 0x01, 0x00, 0x08, 0x13, 0x9a, 0x01, 0x00]
        #expect(try Command(serializedBytes: bytes) == .pong(CommandPong()))
    }

    @Test("a later type whose sub-command is absent is refused, not decoded as the earlier one")
    func laterTypeWithoutSubCommand() {
        // type = FLOW (13), FLOW {consumer_id 1, permits 2}, type = SEND (6) with no SEND sub-command.
        let bytes: [UInt8] = [0x08, 0x0d, 0x6a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x08, 0x06]
        #expect { try Command(serializedBytes: bytes) } throws: { ($0 as? WireError)?.code == .missingCommand }
    }

    @Test("thousands of alternating type fields decode in one pass without recursion")
    func manyAlternations() throws {
        var bytes: [UInt8] = [0x08, 0x12, 0x92, 0x01, 0x00]  // type = PING, PING {}
        for index in 0..<20_000 { bytes += [0x08, index % 2 == 0 ? 0x0a : 0x12] }  // ACK, PING, …, ACK, PING
        bytes += [0x92, 0x01, 0x00]  // PING {} again
        #expect(try Command(serializedBytes: bytes) == .ping(CommandPing()))
    }
}
