import Testing
import PulsarNet
import PulsarWire
@testable import PulsarEmulator

/// Regression tests for hostile or buggy clients: each one crashed, froze or corrupted the emulator before its fix.
@Suite("Server: hostile input", .timeLimit(.minutes(1)))
struct HostileInputTests {
    @Test("a BaseCommand whose second type field contradicts the first, sent before CONNECT, closes only that connection")
    func repeatedTypeBeforeConnect() async throws {
        try await withPulsarEmulator { emulator in
            var hostile = RawClient(emulator.connectInMemory())
            hostile.stream.enqueue([0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x06, 0x08, 0x0a, 0x52, 0x00, 0x08, 0x00])
            #expect(try await hostile.next() == nil, "refused and closed")
            var good = RawClient(emulator.connectInMemory())
            try await good.handshake()
            good.send(.ping(CommandPing()))
            #expect(try await good.next()?.command == .pong(CommandPong()))
        }
    }
}
