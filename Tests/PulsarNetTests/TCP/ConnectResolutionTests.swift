import Dispatch
import Synchronization
import Testing
@testable import PulsarNet

/// Name resolution in `TCPConnection.connect(host:...)`: off the caller's thread, and within the connect timeout.
@Suite(.timeLimit(.minutes(1))) struct ConnectResolutionTests {
    /// A resolver whose lookups block their thread until `release()` (or 20 s), then fail.
    final class HangingResolver: Sendable {
        private let gate = DispatchSemaphore(value: 0)
        private let lookupCount = Atomic(0)

        /// How many lookups started.
        var lookups: Int { lookupCount.load(ordering: .relaxed) }

        var resolver: HostResolver {
            HostResolver { [self] host, _ in
                lookupCount.add(1, ordering: .relaxed)
                _ = gate.wait(timeout: .now() + 20)
                throw NetError(code: .invalidAddress, message: "\(host) released")
            }
        }

        func release(_ count: Int) { for _ in 0..<count { gate.signal() } }
    }

    @Test func connectsToLoopbackLiteralsAndLocalhost() async throws {
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        for host in ["127.0.0.1", "localhost"] {
            async let accepted = listener.accept()
            let client = try await TCPConnection.connect(host: host, port: listener.localAddress.port, timeout: .seconds(10))
            #expect(client.remoteAddress.host == "127.0.0.1", "\(host)")
            let server = try #require(try await accepted)
            client.close()
            server.close()
        }
        let listener6 = try TCPListener.bind(host: "::1", port: 0)
        defer { listener6.close() }
        async let accepted6 = listener6.accept()
        let client6 = try await TCPConnection.connect(host: "::1", port: listener6.localAddress.port, timeout: .seconds(10))
        #expect(client6.remoteAddress.host == "::1")
        try #require(try await accepted6).close()
        client6.close()
    }

    @Test func numericHostsNeverReachTheResolver() async throws {
        let hanging = HangingResolver()
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        async let accepted = listener.accept()
        let client = try await TCPConnection.connect(host: "127.0.0.1", port: listener.localAddress.port,
                                                     timeout: .seconds(10), watermarks: .default, resolver: hanging.resolver)
        try #require(try await accepted).close()
        client.close()
        #expect(hanging.lookups == 0)
    }

    /// More hanging lookups than the cooperative pool has threads: each connect still fails at its own deadline. If a
    /// lookup ran on the caller's thread, it would hold it for the resolver's 20 s and fail with its error instead.
    @Test func theConnectTimeoutCoversAResolutionThatNeverFinishes() async throws {
        let hanging = HangingResolver()
        defer { hanging.release(moreThanThePoolHolds) }
        let start = ContinuousClock.now
        let codes = await withTaskGroup(of: NetError.Code?.self) { group in
            for index in 0..<moreThanThePoolHolds {
                group.addTask {
                    do {
                        _ = try await TCPConnection.connect(host: "hangs-\(index).invalid", port: 6650,
                                                            timeout: .milliseconds(200), watermarks: .default,
                                                            resolver: hanging.resolver)
                        return nil
                    } catch {
                        return (error as? NetError)?.code
                    }
                }
            }
            return await group.reduce(into: [NetError.Code?]()) { $0.append($1) }
        }
        #expect(codes == Array(repeating: .timedOut, count: moreThanThePoolHolds))
        #expect(ContinuousClock.now - start < .seconds(10), "every connect gave up at its deadline")
        #expect(hanging.lookups == moreThanThePoolHolds)
    }

    @Test func cancellingAConnectStopsWaitingForTheResolution() async throws {
        let hanging = HangingResolver()
        defer { hanging.release(1) }
        let connect = Task {
            try await TCPConnection.connect(host: "hangs.invalid", port: 6650, timeout: .seconds(30),
                                            watermarks: .default, resolver: hanging.resolver)
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while hanging.lookups == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        connect.cancel()
        await #expect(throws: CancellationError.self) { _ = try await connect.value }
    }

    @Test func unresolvableNamesFailWithInvalidAddress() async throws {
        let error = await #expect(throws: NetError.self) {
            _ = try await TCPConnection.connect(host: "no such host.invalid", port: 1, timeout: .seconds(10))
        }
        #expect(error?.code == .invalidAddress)
        let resolved = try await SocketAddress.resolve(host: "localhost", port: 7, timeout: .seconds(10))
        #expect(!resolved.isEmpty && resolved.allSatisfy { $0.port == 7 })
    }
}
