import Testing
@testable import PulsarWire

@Suite("Commands round trip", .timeLimit(.minutes(2)))
struct CommandRoundTripTests {
    @Test("every command, fully populated, survives encode → decode", arguments: everyCommandFullyPopulated)
    func fullyPopulated(command: Command) throws {
        let bytes = command.serializedBytes()
        let decoded = try Command(serializedBytes: bytes)
        #expect(decoded == command)
        #expect(decoded.serializedBytes() == bytes)
    }

    @Test("every command with only required fields survives a frame round trip", arguments: everyCommandMinimal)
    func minimalFrames(command: Command) throws {
        let frame = FrameEncoder.encode(command)
        let decoded = try FrameDecoderVerifier.whole(frame)
        #expect(decoded == [Frame(command: command)])
    }

    @Test("the generated samples cover every known command type")
    func coverage() {
        let known = Set(everyCommandFullyPopulated.map(\.type.rawValue))
        #expect(known.count == everyCommandFullyPopulated.count)
        #expect(Set(everyCommandMinimal.map(\.type.rawValue)) == known)
        for raw in Int32(2)...68 where !(41...49).contains(raw) { #expect(known.contains(raw), "type \(raw)") }
    }

    @Test("a command type this build does not know is kept with its raw bytes")
    func unknownType() throws {
        // type = 99, field 99 = empty message.
        let bytes: [UInt8] = [0x08, 0x63, 0x9a, 0x06, 0x00]
        let command = try Command(serializedBytes: bytes)
        #expect(command == .unknown(type: CommandType(rawValue: 99), bytes: bytes))
        #expect(command.serializedBytes() == bytes)
    }

    @Test("PING without its empty sub-message still decodes")
    func pingWithoutSubMessage() throws {
        #expect(try Command(serializedBytes: [0x08, 0x12]) == .ping(CommandPing()))
    }

    @Test("a known type whose required sub-command is absent is an error")
    func missingSubCommand() {
        #expect { try Command(serializedBytes: [0x08, 0x06]) } throws: { ($0 as? WireError)?.code == .missingCommand }
        #expect { try Command(serializedBytes: [0x12, 0x00]) } throws: { ($0 as? WireError)?.code == .missingRequiredField }
    }

    @Test("the sub-command may precede the type field")
    func subCommandFirst() throws {
        let flow = CommandFlow(consumerId: 3, messagePermits: 1000)
        let body = flow.serializedBytes()
        let bytes: [UInt8] = [0x5a, UInt8(body.count)] + body + [0x08, 0x0b]
        #expect(try Command(serializedBytes: bytes) == .flow(flow))
    }
}
