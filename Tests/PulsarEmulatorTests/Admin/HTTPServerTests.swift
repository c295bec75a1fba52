import PulsarNet
import Testing
@testable import PulsarEmulator

/// One parsed response as a client sees it.
private struct ClientResponse: Equatable {
    var status: Int
    var headers: [String: String]
    var body: String
}

/// Reads HTTP responses off a stream, the way a client would.
private struct ResponseReader {
    let stream: any ByteStream
    var buffer: [UInt8] = []

    /// The next response (a `Content-Length` body, none after HEAD), or nil if the stream ends first.
    mutating func next(afterHead: Bool = false) async throws -> ClientResponse? {
        while true {
            if let response = parse(afterHead: afterHead) { return response }
            guard let chunk = try await stream.read(maxLength: 65536) else { return nil }
            buffer += chunk
        }
    }

    /// True once the peer has closed the stream (after whatever was buffered).
    mutating func isClosed() async throws -> Bool {
        buffer.isEmpty ? try await stream.read(maxLength: 65536) == nil : false
    }

    private mutating func parse(afterHead: Bool) -> ClientResponse? {
        let text = String(decoding: buffer, as: UTF8.self)
        guard let headEnd = text.utf8.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        let head = String(text[..<headEnd.lowerBound])
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let status = Int(lines.removeFirst().split(separator: " ")[1])!
        var headers: [String: String] = [:]
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = String(parts[1].drop { $0 == " " })
        }
        let length = afterHead ? 0 : Int(headers["content-length"] ?? "0")!
        let bodyStart = text.utf8.distance(from: text.utf8.startIndex, to: headEnd.upperBound)
        guard buffer.count >= bodyStart + length else { return nil }
        let body = String(decoding: buffer[bodyStart..<(bodyStart + length)], as: UTF8.self)
        buffer.removeFirst(bodyStart + length)
        return ClientResponse(status: status, headers: headers, body: body)
    }
}

private func adminConfiguration() -> EmulatorConfiguration {
    var configuration = EmulatorConfiguration()
    configuration.adminPort = 0
    configuration.logLevel = .off
    return configuration
}

private func connect(_ emulator: PulsarEmulator) async throws -> TCPConnection {
    try await TCPConnection.connect(host: "127.0.0.1", port: emulator.adminPort!, timeout: .seconds(10))
}

@Suite(.timeLimit(.minutes(1))) struct HTTPServerTests {
    @Test func adminPortIsOffUnlessConfigured() async throws {
        try await withPulsarEmulator { emulator in
            #expect(emulator.adminURL == nil)
            #expect(emulator.adminPort == nil)
        }
    }

    @Test func servesPipelinedRequestsInOrderOnOneConnection() async throws {
        try await withPulsarEmulator(adminConfiguration()) { emulator in
            #expect(emulator.adminURL == "http://127.0.0.1:\(emulator.adminPort!)")
            let connection = try await connect(emulator)
            defer { connection.close() }
            var reader = ResponseReader(stream: connection)
            connection.enqueue(Array(("GET /admin/v2/clusters HTTP/1.1\r\nHost: x\r\n\r\n"
                + "PUT /admin/v2/persistent/public/default/t/partitions HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n2"
                + "GET /admin/v2/persistent/public/default/t/partitions HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /admin/v2/brokers/health HTTP/1.1\r\nHost: x\r\n\r\n").utf8))
            #expect(try await reader.next() == ClientResponse(status: 200, headers: ["content-type": "application/json", "content-length": "14"],
                                                              body: #"["standalone"]"#))
            #expect(try await reader.next()?.status == 204)
            #expect(try await reader.next()?.body == #"{"partitions":2,"deleted":false}"#)
            let head = try await reader.next(afterHead: true)
            #expect(head?.status == 200 && head?.body == "" && head?.headers["content-length"] == "2")
            // Byte by byte works too, and the connection is still the same one.
            for byte in Array("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8) { connection.enqueue([byte]) }
            let metrics = try await reader.next()
            #expect(metrics?.status == 200 && metrics?.headers["connection"] == "close")
            #expect(metrics?.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(try await reader.isClosed())
        }
    }

    @Test func badInputIsAnsweredAndClosedWhileTheServerCarriesOn() async throws {
        try await withPulsarEmulator(adminConfiguration()) { emulator in
            for (request, status) in [("GARBAGE\r\n\r\n", 400), ("GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505),
                                      ("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n", 413),
                                      ("GET / HTTP/1.1\r\nHost: x\r\nX: \(String(repeating: "y", count: 20000))\r\n\r\n", 431)] {
                let connection = try await connect(emulator)
                defer { connection.close() }
                var reader = ResponseReader(stream: connection)
                connection.enqueue(Array(request.utf8))
                let response = try await reader.next()
                #expect(response?.status == status)
                #expect(response?.headers["connection"] == "close")
                #expect(response?.body.hasPrefix(#"{"reason":"#) == true)
                #expect(try await reader.isClosed())
            }
            let connection = try await connect(emulator)
            defer { connection.close() }
            var reader = ResponseReader(stream: connection)
            connection.enqueue(Array("GET /admin/v2/brokers/health HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            #expect(try await reader.next()?.body == "ok")
        }
    }

    @Test func expectContinueGetsAnInterimAnswer() async throws {
        try await withPulsarEmulator(adminConfiguration()) { emulator in
            let connection = try await connect(emulator)
            defer { connection.close() }
            var reader = ResponseReader(stream: connection)
            connection.enqueue(Array("PUT /admin/v2/tenants/acme HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
            #expect(try await reader.next()?.status == 100)
            connection.enqueue(Array("{}".utf8))
            #expect(try await reader.next()?.status == 204)
        }
    }

    @Test func shutdownClosesIdleKeepAliveConnections() async throws {
        let emulator = try await PulsarEmulator.start(adminConfiguration())
        let connection = try await connect(emulator)
        defer { connection.close() }
        var reader = ResponseReader(stream: connection)
        connection.enqueue(Array("GET /admin/v2/clusters HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(try await reader.next()?.status == 200)
        await emulator.shutdown()
        #expect(try await reader.isClosed())
    }

    @Test func servesAnInMemoryStreamToo() async throws {
        let configuration = adminConfiguration()
        let core = BrokerCore(configuration: configuration, advertisedServiceURL: "pulsar://127.0.0.1:6650",
                              logger: .silent)
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        let server = HTTPServer.admin(listener: listener, core: core,
                                     router: AdminRouter(brokerServiceURL: "pulsar://127.0.0.1:6650", webServiceURL: "http://127.0.0.1:8080"))
        let (client, serverEnd) = InMemoryDuplex.makePair()
        let serving = Task { await server.serve(serverEnd) }
        var reader = ResponseReader(stream: client)
        client.enqueue(Array("GET /admin/v2/tenants HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(try await reader.next()?.body == #"["public","pulsar"]"#)
        await serving.value
        server.shutdown()
    }

    @Test func aRequestThatDoesNotArriveInTimeGets408AndAnIdleConnectionIsClosed() async throws {
        var configuration = adminConfiguration()
        configuration.limits.adminRequestTimeout = .milliseconds(300)
        try await withPulsarEmulator(configuration) { emulator in
            // Slowloris: headers that never end.
            let slow = try await connect(emulator)
            defer { slow.close() }
            var slowReader = ResponseReader(stream: slow)
            slow.enqueue(Array("GET /admin/v2/clusters HTTP/1.1\r\nHost: x\r\n".utf8))
            let response = try await slowReader.next()
            #expect(response?.status == 408)
            #expect(try await slowReader.isClosed())
            // A keep-alive connection that goes quiet after an answer is closed without one.
            let idle = try await connect(emulator)
            defer { idle.close() }
            var idleReader = ResponseReader(stream: idle)
            idle.enqueue(Array("GET /admin/v2/clusters HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            #expect(try await idleReader.next()?.status == 200)
            #expect(try await idleReader.isClosed())
        }
    }

    @Test func connectionsBeyondTheLimitAreClosedAtOnce() async throws {
        var configuration = adminConfiguration()
        configuration.limits.maxAdminConnections = 2
        try await withPulsarEmulator(configuration) { emulator in
            var held: [TCPConnection] = []
            defer { for connection in held { connection.close() } }
            for _ in 0..<2 {
                let connection = try await connect(emulator)
                var reader = ResponseReader(stream: connection)
                connection.enqueue(Array("GET /admin/v2/clusters HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
                #expect(try await reader.next()?.status == 200)
                held.append(connection)
            }
            let third = try await connect(emulator)
            defer { third.close() }
            // Closed at once: end of stream, or a reset when the close overtakes the handshake's last ACK.
            do {
                #expect(try await third.read(maxLength: 1) == nil)
            } catch let error as NetError {
                #expect(error.code == .connectionReset)
            }
            held.removeLast().close()
            // Once one has gone, a new one is served (the server may still be noticing the close: try a few times).
            var served = false
            for _ in 0..<50 where !served {
                let connection = try await connect(emulator)
                defer { connection.close() }
                var reader = ResponseReader(stream: connection)
                connection.enqueue(Array("GET /admin/v2/clusters HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
                served = (try? await reader.next())??.status == 200
            }
            #expect(served)
        }
    }
}
