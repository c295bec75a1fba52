#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
@testable import PulsarNet

@Suite(.timeLimit(.minutes(1))) struct TCPConnectionTests {
    private func tcpPair() async throws -> (TCPConnection, TCPConnection) {
        let pair = try await Transport.tcpPair(host: "127.0.0.1", watermarks: .default)
        return (pair.client as! TCPConnection, pair.server as! TCPConnection)
    }

    private func intOption(_ fd: Int32, _ level: Int32, _ name: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, level, name, &value, &length)
        return value
    }

    @Test func socketsAreNonBlockingCloseOnExecAndNoDelay() async throws {
        let (client, server) = try await tcpPair()
        defer { client.close(); server.close() }
        for connection in [client, server] {
            let fd = connection.fileDescriptor
            #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
            #expect(intOption(fd, Int32(IPPROTO_TCP), Int32(TCP_NODELAY)) != 0)
        }
    }

    @Test func closeAfterFlushDeliversEverythingWhenTheOwnerDropsTheConnectionAtOnce() async throws {
        var (client, server): (TCPConnection, TCPConnection?) = try await tcpPair()
        defer { client.close() }
        let payload = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }  // more than the kernel buffers hold
        server!.enqueue(payload)
        #expect(server!.bufferedOutboundBytes > 0, "some bytes wait in user space")
        server!.closeAfterFlush()
        server = nil  // as a server does after its last answer on `Connection: close`
        var received: [UInt8] = []
        received.reserveCapacity(payload.count)
        while let chunk = try await client.read(maxLength: 1 << 20) { received += chunk }
        #expect(received.count == payload.count)
        #expect(received == payload)
    }

    @Test func peerResetFailsReadsAndWritesWithoutSignals() async throws {
        let (client, server) = try await tcpPair()
        defer { client.close(); server.close() }
        // SO_LINGER {on, 0}: close sends RST instead of FIN.
        var option = linger(l_onoff: 1, l_linger: 0)
        #expect(setsockopt(server.fileDescriptor, SOL_SOCKET, SO_LINGER, &option,
                           socklen_t(MemoryLayout<linger>.size)) == 0)
        server.close()
        let error = await #expect(throws: NetError.self) { _ = try await client.read(maxLength: 10) }
        #expect(error?.code == .connectionReset)
        // Sending to a reset connection fails with EPIPE / ECONNRESET; SIGPIPE must not kill the process.
        var accepted = true
        for _ in 0..<100 where accepted {
            accepted = client.enqueue([1, 2, 3])
            await Task.yield()
        }
        #expect(!accepted)
        let writeError = await #expect(throws: NetError.self) { try await client.write([1]) }
        #expect(writeError?.code == .connectionReset)
    }

    @Test func writingToAClosedPeerEventuallyFails() async throws {
        let (client, server) = try await tcpPair()
        defer { client.close() }
        server.close()
        #expect(try await client.read(maxLength: 1) == nil)
        var accepted = true
        for _ in 0..<1000 where accepted {
            accepted = client.enqueue(Array(repeating: 0, count: 1024))
            await Task.yield()
        }
        #expect(!accepted)
    }

    @Test func watermarksCanBeChanged() async throws {
        let (client, server) = try await tcpPair()
        defer { client.close(); server.close() }
        #expect(client.watermarks == .default)
        client.watermarks = WriteWatermarks(high: 10, low: 5)
        #expect(client.watermarks.high == 10)
        try await client.write([1, 2, 3])
        #expect(try await server.read(exactly: 3) == [1, 2, 3])
    }

    @Test func readReturnsWhatIsAvailableUpToMaxLength() async throws {
        let (client, server) = try await tcpPair()
        defer { client.close(); server.close() }
        #expect(client.enqueue(Array(repeating: 5, count: 10)))
        var received: [UInt8] = []
        while received.count < 10, let bytes = try await server.read(maxLength: 4) {
            #expect((1...4).contains(bytes.count))
            received += bytes
        }
        #expect(received == Array(repeating: 5, count: 10))
    }
}

@Suite(.timeLimit(.minutes(1))) struct FileDescriptorLeakTests {
    /// Opens `count` connected pairs and returns them with the inodes of all their sockets.
    private func openPairs(_ count: Int) async throws -> ([StreamPair], Set<UInt64>) {
        var pairs: [StreamPair] = []
        var inodes = Set<UInt64>()
        for _ in 0..<count {
            let pair = try await Transport.tcpPair(host: "127.0.0.1", watermarks: .default)
            for end in [pair.client, pair.server] {
                let inode = try #require(socketInode((end as! TCPConnection).fileDescriptor))
                inodes.insert(inode)
            }
            pairs.append(pair)
        }
        return (pairs, inodes)
    }

    // Other suites open sockets in parallel, so rather than comparing counts this checks that every socket these
    // connections owned (by inode, which unlike a descriptor number is never reused meanwhile) is gone from
    // /proc/self/fd.
    @Test func closingManyConnectionsReleasesTheirDescriptors() async throws {
        let (pairs, inodes) = try await openPairs(50)
        #expect(openSocketInodes().isSuperset(of: inodes))
        for pair in pairs {
            try await pair.client.write([1])
            pair.close()
        }
        #expect(openSocketInodes().isDisjoint(with: inodes))
    }

    @Test func droppingManyConnectionsReleasesTheirDescriptors() async throws {
        var (pairs, inodes) = try await openPairs(50)
        #expect(openSocketInodes().isSuperset(of: inodes))
        pairs.removeAll()
        // The event loop may have been dispatching to a connection as it was dropped; let it finish.
        await EventLoop.shared.waitForCurrentIteration()
        #expect(openSocketInodes().isDisjoint(with: inodes))
    }

    @Test func listenersReleaseTheirDescriptors() async throws {
        var inodes = Set<UInt64>()
        for index in 0..<20 {
            let listener = try TCPListener.bind(host: index.isMultiple(of: 2) ? "127.0.0.1" : "::1", port: 0)
            let fd = listener.fileDescriptor
            inodes.insert(try #require(socketInode(fd)))
            if index.isMultiple(of: 4) { listener.close() }
        }
        #expect(openSocketInodes().isDisjoint(with: inodes))
    }

    @Test func failedConnectsReleaseTheirDescriptors() async throws {
        let listener = try TCPListener.bind(host: "127.0.0.1", port: 0)
        let address = listener.localAddress
        listener.close()
        let inodes = Mutex(Set<UInt64>())
        for _ in 0..<20 {
            let error = await #expect(throws: NetError.self) {
                _ = try await TCPConnection.connect(
                    to: address, deadline: .now + .seconds(10), watermarks: .default, loop: .shared,
                    observeSocket: { fd in
                        if let inode = socketInode(fd) { inodes.withLock { _ = $0.insert(inode) } }
                    })
            }
            #expect(error?.code == .connectionRefused)
        }
        let ours = inodes.withLock { $0 }
        #expect(ours.count == 20)
        #expect(openSocketInodes().isDisjoint(with: ours))
    }
}
