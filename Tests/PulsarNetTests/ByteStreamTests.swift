import Testing
@testable import PulsarNet

/// The `ByteStream` contract, checked against every transport: TCP over IPv4 and IPv6 loopback, and in-memory.
@Suite(.timeLimit(.minutes(1))) struct ByteStreamTests {
    @Test(arguments: Transport.all)
    func echo(transport: Transport) async throws {
        let pair = try await transport.make(.default)
        defer { pair.close() }
        try await pair.client.write(Array("hello, pulsar".utf8))
        let request = try await pair.server.read(exactly: 13)
        #expect(pair.server.enqueue(request.reversed()))
        let reply = try await pair.client.read(exactly: 13)
        #expect(String(decoding: reply, as: UTF8.self) == "raslup ,olleh")
        #expect(!pair.client.localDescription.isEmpty && !pair.client.remoteDescription.isEmpty)
        #expect(pair.client.localDescription == pair.server.remoteDescription)
    }

    @Test(arguments: Transport.all)
    func manySmallWritesArriveInOrder(transport: Transport) async throws {
        let pair = try await transport.make(.default)
        defer { pair.close() }
        let count = 20_000
        for index in 0..<count {
            let value = UInt32(index)
            #expect(pair.client.enqueue([UInt8(value >> 24), UInt8((value >> 16) & 0xFF),
                                         UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]))
        }
        let received = try await pair.server.read(exactly: count * 4)
        #expect(received.count == count * 4)
        var ordered = true
        for index in 0..<count {
            let base = index * 4
            let value = UInt32(received[base]) << 24 | UInt32(received[base + 1]) << 16
                | UInt32(received[base + 2]) << 8 | UInt32(received[base + 3])
            if value != UInt32(index) { ordered = false; break }
        }
        #expect(ordered)
    }

    @Test(arguments: Transport.all)
    func largeTransferToSlowReaderIsBoundedAndIntact(transport: Transport) async throws {
        let watermarks = WriteWatermarks(high: 256 * 1024, low: 64 * 1024)
        let pair = try await transport.make(watermarks)
        defer { pair.close() }
        let total = 32 * 1024 * 1024
        let chunk = 64 * 1024
        let client = pair.client
        let writer = Task {
            var offset = 0
            var maxBuffered = 0
            while offset < total {
                try await client.write(Pattern.bytes(at: offset, length: chunk))
                offset += chunk
                maxBuffered = max(maxBuffered, client.bufferedOutboundBytes)
            }
            return maxBuffered
        }
        var received = 0
        var intact = true
        var reads = 0
        while received < total, let bytes = try await pair.server.read(maxLength: 4096) {
            if intact && !Pattern.matches(bytes, at: received) { intact = false }
            received += bytes.count
            reads += 1
            if reads % 4 == 0 { await Task.yield() }  // a slow reader: small reads, giving way often
        }
        let maxBuffered = try await writer.value
        #expect(received == total)
        #expect(intact)
        #expect(maxBuffered <= watermarks.high + chunk)
        #expect(client.bufferedOutboundBytes == 0)
    }

    @Test(arguments: Transport.all)
    func writeSuspendsUntilBufferDrainsToLowWatermark(transport: Transport) async throws {
        let watermarks = WriteWatermarks(high: 128 * 1024, low: 32 * 1024)
        let pair = try await transport.make(watermarks)
        defer { pair.close() }
        let client = pair.client
        let chunk = [UInt8](repeating: 7, count: 64 * 1024)
        var enqueued = 0
        // The peer does not read: fill the kernel (or peer) buffers until our own buffer passes the high watermark.
        while client.bufferedOutboundBytes <= watermarks.high && enqueued < 256 * 1024 * 1024 {
            #expect(client.enqueue(chunk))
            enqueued += chunk.count
            await Task.yield()
        }
        #expect(client.bufferedOutboundBytes > watermarks.high)
        let writer = Task {
            try await client.write(chunk)
            return client.bufferedOutboundBytes
        }
        await waitUntil("the write is suspended") { client.pendingWriterCount == 1 }
        let drained = try await pair.server.read(exactly: enqueued + chunk.count)
        #expect(drained.count == enqueued + chunk.count)
        let bufferedWhenResumed = try await writer.value
        #expect(bufferedWhenResumed <= watermarks.low)
    }

    @Test(arguments: Transport.all)
    func peerCloseGivesEndOfStreamAfterData(transport: Transport) async throws {
        let pair = try await transport.make(.default)
        defer { pair.close() }
        #expect(pair.client.enqueue([1, 2, 3]))
        pair.client.close()
        #expect(try await pair.server.readToEnd() == [1, 2, 3])
        #expect(try await pair.server.read(maxLength: 10) == nil)
    }

    @Test(arguments: Transport.all)
    func closeWakesPendingRead(transport: Transport) async throws {
        let pair = try await transport.make(.default)
        defer { pair.close() }
        let server = pair.server
        let reader = Task { try await server.read(maxLength: 100) }
        await waitUntil("the read is pending") { server.hasPendingRead }
        server.close()
        #expect(try await reader.value == nil)
        #expect(try await server.read(maxLength: 100) == nil)
        // The peer sees the close as end of stream.
        #expect(try await pair.client.read(maxLength: 100) == nil)
    }

    @Test(arguments: Transport.all)
    func cancellingPendingReadThrowsAndLeavesStreamUsable(transport: Transport) async throws {
        let pair = try await transport.make(.default)
        defer { pair.close() }
        let server = pair.server
        let reader = Task { try await server.read(maxLength: 100) }
        await waitUntil("the read is pending") { server.hasPendingRead }
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        #expect(!server.hasPendingRead)
        #expect(pair.client.enqueue([42]))
        #expect(try await server.read(maxLength: 100) == [42])
    }

    @Test(arguments: Transport.all)
    func writesAfterCloseFail(transport: Transport) async throws {
        let pair = try await transport.make(.default)
        defer { pair.close() }
        pair.client.close()
        pair.client.close()  // idempotent
        #expect(!pair.client.enqueue([1]))
        let error = await #expect(throws: NetError.self) { try await pair.client.write([1]) }
        #expect(error?.code == .connectionClosed)
        await #expect(throws: NetError.self) { try await pair.client.waitUntilWritable() }
        #expect(try await pair.client.read(maxLength: 1) == nil)
    }

    @Test(arguments: Transport.all)
    func closeWakesSuspendedWriter(transport: Transport) async throws {
        let watermarks = WriteWatermarks(high: 64 * 1024, low: 16 * 1024)
        let pair = try await transport.make(watermarks)
        defer { pair.close() }
        let client = pair.client
        let writer = Task {
            let chunk = [UInt8](repeating: 1, count: 64 * 1024)
            while true { try await client.write(chunk) }
        }
        await waitUntil("a write is suspended") { client.pendingWriterCount == 1 }
        client.close()
        let error = await #expect(throws: NetError.self) { try await writer.value }
        #expect(error?.code == .connectionClosed)
        #expect(client.bufferedOutboundBytes == 0)
    }

    @Test(arguments: Transport.all)
    func closeAfterFlushDeliversEverything(transport: Transport) async throws {
        let pair = try await transport.make(.default)
        defer { pair.close() }
        let total = 8 * 1024 * 1024
        var offset = 0
        while offset < total {
            #expect(pair.client.enqueue(Pattern.bytes(at: offset, length: 256 * 1024)))
            offset += 256 * 1024
        }
        pair.client.closeAfterFlush()
        #expect(!pair.client.enqueue([1]))
        var received = 0
        var intact = true
        while let bytes = try await pair.server.read(maxLength: 64 * 1024) {
            if intact && !Pattern.matches(bytes, at: received) { intact = false }
            received += bytes.count
        }
        #expect(received == total)
        #expect(intact)
    }

    @Test(arguments: Transport.all)
    func serverCloseAfterFlushEndsClientRead(transport: Transport) async throws {
        let pair = try await transport.make(.default)
        defer { pair.close() }
        let server = pair.server
        // The client reads until end of stream while the server sends and then closes.
        let reader = Task { try await pair.client.readToEnd() }
        #expect(server.enqueue(Array(repeating: 9, count: 1000)))
        server.closeAfterFlush()
        #expect(try await reader.value == Array(repeating: 9, count: 1000))
    }
}
