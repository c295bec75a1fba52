import Testing
@testable import PulsarNet

@Suite(.timeLimit(.minutes(1))) struct SocketAddressTests {
    @Test func parsesNumericAddresses() throws {
        let v4 = try SocketAddress(ipAddress: "127.0.0.1", port: 6650)
        #expect(v4.family == .ipv4 && v4.host == "127.0.0.1" && v4.port == 6650)
        #expect(v4.description == "127.0.0.1:6650")
        let v6 = try SocketAddress(ipAddress: "0:0:0:0:0:0:0:1", port: 80)
        #expect(v6.family == .ipv6 && v6.host == "::1")
        #expect(v6.description == "[::1]:80")
        #expect(try SocketAddress(ipAddress: "::1", port: 80) == v6)
    }

    @Test func rejectsNonNumericAndBadPorts() {
        #expect(throws: NetError.self) { try SocketAddress(ipAddress: "localhost", port: 1) }
        #expect(throws: NetError.self) { try SocketAddress(ipAddress: "1.2.3.4", port: -1) }
        #expect(throws: NetError.self) { try SocketAddress(ipAddress: "1.2.3.4", port: 65536) }
    }

    @Test func resolvesLocalhost() throws {
        let addresses = try SocketAddress.resolve(host: "localhost", port: 1234)
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { $0.port == 1234 && ($0.host == "127.0.0.1" || $0.host == "::1") })
        #expect(try SocketAddress.resolve(host: "::1", port: 1) == [SocketAddress(ipAddress: "::1", port: 1)])
    }

    @Test func unresolvableNamesThrowInvalidAddress() {
        let error = #expect(throws: NetError.self) { try SocketAddress.resolve(host: "no such host.invalid", port: 1) }
        #expect(error?.code == .invalidAddress)
    }
}
