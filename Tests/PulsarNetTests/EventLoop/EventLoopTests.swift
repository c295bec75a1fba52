import Testing
@testable import PulsarNet

@Suite(.timeLimit(.minutes(1))) struct EventLoopTests {
    @Test func privateLoopCarriesTrafficAndShutsDown() async throws {
        let loop = try EventLoop(name: "test-loop")
        let listener = try TCPListener.bind(
            address: SocketAddress(ipAddress: "127.0.0.1", port: 0), backlog: 8, watermarks: .default, loop: loop)
        async let accepted = listener.accept()
        let client = try await TCPConnection.connect(
            to: listener.localAddress, deadline: .now + .seconds(10), watermarks: .default, loop: loop)
        let server = try #require(try await accepted)
        #expect(loop.registrationCount == 3)

        try await client.write(Array(repeating: 3, count: 100_000))
        #expect(try await server.read(exactly: 100_000) == Array(repeating: 3, count: 100_000))

        client.close()
        server.close()
        listener.close()
        #expect(loop.registrationCount == 0)
        await loop.waitForCurrentIteration()
        loop.shutdown()
        loop.shutdown()  // idempotent
        await loop.waitForCurrentIteration()  // returns at once after shutdown
    }

    @Test func droppedConnectionsDeregister() async throws {
        let loop = try EventLoop(name: "test-loop")
        defer { loop.shutdown() }
        do {
            let listener = try TCPListener.bind(
                address: SocketAddress(ipAddress: "::1", port: 0), backlog: 8, watermarks: .default, loop: loop)
            async let accepted = listener.accept()
            let client = try await TCPConnection.connect(
                to: listener.localAddress, deadline: .now + .seconds(10), watermarks: .default, loop: loop)
            let server = try #require(try await accepted)
            #expect(client.enqueue([1]))
            #expect(try await server.read(maxLength: 1) == [1])
            #expect(loop.registrationCount == 3)
        }
        await loop.waitForCurrentIteration()
        #expect(loop.registrationCount == 0)
    }

    @Test func barrierReturnsWhileIdle() async throws {
        let loop = try EventLoop(name: "test-loop")
        defer { loop.shutdown() }
        for _ in 0..<10 {
            await loop.waitForCurrentIteration()
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct EventLoopExecutorTests {
    @Test func tasksPreferringTheLoopRunOnItsThreadAndDoIO() async throws {
        let pair = try await Transport.tcpPair(host: "127.0.0.1", watermarks: .default)
        defer { pair.close() }
        let echo = Task(executorPreference: EventLoopExecutor.shared) {
            var onLoop = EventLoop.shared.isCurrentThread
            while let bytes = try await pair.server.read(maxLength: 1024) {
                onLoop = onLoop && EventLoop.shared.isCurrentThread
                pair.server.enqueue(bytes)
            }
            return onLoop
        }
        let onLoopClient = try await withTaskExecutorPreference(EventLoopExecutor.shared) {
            var onLoop = true
            for round in 0..<100 {
                try await pair.client.write([UInt8(round)])
                onLoop = onLoop && EventLoop.shared.isCurrentThread
                #expect(try await pair.client.read(exactly: 1) == [UInt8(round)])
                onLoop = onLoop && EventLoop.shared.isCurrentThread
            }
            return onLoop
        }
        pair.client.close()
        #expect(onLoopClient)
        #expect(try await echo.value)
        #expect(!EventLoop.shared.isCurrentThread)
    }

    @Test func jobsQueuedOnAPrivateLoopRunBeforeShutdownCompletes() async throws {
        let loop = try EventLoop(name: "test-loop")
        let values = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 {
                group.addTask(executorPreference: loop) { loop.isCurrentThread }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(values.count == 50 && values.allSatisfy { $0 })
        loop.shutdown()
    }
}
