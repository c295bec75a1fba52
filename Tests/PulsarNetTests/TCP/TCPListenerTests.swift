import Testing
@testable import PulsarNet

@Suite(.timeLimit(.minutes(1))) struct TCPListenerTests {
    @Test(arguments: ["127.0.0.1", "::1"])
    func portZeroReportsTheRealPort(host: String) async throws {
        let listener = try TCPListener.bind(host: host, port: 0)
        defer { listener.close() }
        #expect(listener.localAddress.port != 0)
        #expect(listener.localAddress.host == host)
        #expect(listener.localAddress.family == (host == "::1" ? .ipv6 : .ipv4))

        async let accepted = listener.accept()
        let client = try await TCPConnection.connect(
            host: host, port: listener.localAddress.port, timeout: .seconds(10))
        defer { client.close() }
        let server = try #require(try await accepted)
        defer { server.close() }
        #expect(client.remoteAddress == listener.localAddress)
        #expect(server.remoteAddress == client.localAddress)
        #expect(server.localAddress == client.remoteAddress)
        #expect(client.remoteDescription == listener.localAddress.description)
    }

    @Test func closeWakesPendingAcceptWithNil() async throws {
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        let acceptor = Task { try await listener.accept() }
        await waitUntil("the accept is pending") { listener.pendingAcceptCount == 1 }
        listener.close()
        #expect(try await acceptor.value == nil)
        #expect(try await listener.accept() == nil)
        listener.close()  // idempotent
    }

    @Test func cancellingPendingAcceptThrows() async throws {
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let acceptor = Task { try await listener.accept() }
        await waitUntil("the accept is pending") { listener.pendingAcceptCount == 1 }
        acceptor.cancel()
        await #expect(throws: CancellationError.self) { try await acceptor.value }
        #expect(listener.pendingAcceptCount == 0)
    }

    @Test func closedListenerReleasesItsPort() async throws {
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        let port = listener.localAddress.port
        listener.close()
        let error = await #expect(throws: NetError.self) {
            _ = try await TCPConnection.connect(host: "127.0.0.1", port: port, timeout: .seconds(10))
        }
        #expect(error?.code == .connectionRefused)
        let again = try TCPListener.bind(host: "127.0.0.1", port: port)
        again.close()
    }

    @Test func bindingABoundPortThrowsAddressInUse() throws {
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let error = #expect(throws: NetError.self) {
            _ = try TCPListener.bind(host: "127.0.0.1", port: listener.localAddress.port)
        }
        #expect(error?.code == .addressInUse)
    }

    @Test func invalidHostThrowsInvalidAddress() async throws {
        let error = #expect(throws: NetError.self) { _ = try TCPListener.bind(host: "not an address!", port: 0) }
        #expect(error?.code == .invalidAddress)
        let portError = #expect(throws: NetError.self) { _ = try TCPListener.bind(host: "127.0.0.1", port: 70000) }
        #expect(portError?.code == .invalidAddress)
    }

    @Test func connectsByName() async throws {
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        async let accepted = listener.accept()
        let client = try await TCPConnection.connect(
            host: "localhost", port: listener.localAddress.port, timeout: .seconds(10))
        defer { client.close() }
        let server = try #require(try await accepted)
        server.close()
        #expect(try await client.read(maxLength: 1) == nil)
    }

    @Test func twoHundredConcurrentConnections() async throws {
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        let port = listener.localAddress.port
        let clients = 200
        try await withThrowingTaskGroup(of: Int.self) { group in
            // Server: accept until closed, echo each connection until its client closes.
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self) { echoes in
                    while let connection = try await listener.accept() {
                        echoes.addTask {
                            defer { connection.close() }
                            while let bytes = try await connection.read(maxLength: 64 * 1024) {
                                try await connection.write(bytes)
                            }
                        }
                    }
                    try await echoes.waitForAll()
                }
                return 0
            }
            let echoed = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<clients {
                    group.addTask {
                        let connection = try await TCPConnection.connect(
                            host: "127.0.0.1", port: port, timeout: .seconds(30))
                        defer { connection.close() }
                        let message = Pattern.bytes(at: index, length: 1000 + index)
                        try await connection.write(message)
                        let reply = try await connection.read(exactly: message.count)
                        return reply == message ? 1 : 0
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(echoed == clients)
            listener.close()
            try await group.waitForAll()
        }
    }

    @Test func connectTimesOutWhenTheAcceptQueueIsFull() async throws {
        // With backlog 1 and nobody accepting, Linux drops further SYNs, so a connect cannot complete.
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0, backlog: 1)
        defer { listener.close() }
        var connections: [TCPConnection] = []
        defer { connections.forEach { $0.close() } }
        var timedOut = false
        for _ in 0..<8 {
            do {
                connections.append(try await TCPConnection.connect(
                    host: "127.0.0.1", port: listener.localAddress.port, timeout: .milliseconds(200)))
            } catch let error as NetError {
                #expect(error.code == .timedOut)
                timedOut = true
                break
            }
        }
        #expect(timedOut)
    }
}
