import Testing
@testable import PulsarNet

/// In-memory specifics; the shared stream behaviour is covered by `ByteStreamTests`.
@Suite(.timeLimit(.minutes(1))) struct InMemoryDuplexTests {
    @Test func descriptionsNameBothEnds() {
        let (a, b) = InMemoryDuplex.makePair()
        defer { a.close(); b.close() }
        #expect(a.localDescription.hasPrefix("memory:"))
        #expect(a.localDescription == b.remoteDescription)
        #expect(a.remoteDescription == b.localDescription)
        #expect(a.localDescription != b.localDescription)
    }

    @Test func bytesBeyondThePeerBufferCountAsOutbound() async throws {
        let (a, b) = InMemoryDuplex.makePair(bufferLimit: 10)
        defer { a.close(); b.close() }
        #expect(a.enqueue(Array(0..<25)))
        #expect(a.bufferedOutboundBytes == 15)
        #expect(try await b.read(maxLength: 10) == Array(0..<10))
        #expect(a.bufferedOutboundBytes == 5)
        #expect(try await b.read(exactly: 15) == Array(10..<25))
        #expect(a.bufferedOutboundBytes == 0)
    }

    @Test func closeDropsWhatThePeerDoesNotHold() async throws {
        let (a, b) = InMemoryDuplex.makePair(bufferLimit: 10)
        defer { b.close() }
        #expect(a.enqueue(Array(0..<25)))
        a.close()
        #expect(a.bufferedOutboundBytes == 0)
        #expect(try await b.readToEnd() == Array(0..<10))
    }

    @Test func closeAfterFlushKeepsEverything() async throws {
        let (a, b) = InMemoryDuplex.makePair(bufferLimit: 10)
        defer { b.close() }
        #expect(a.enqueue(Array(0..<25)))
        a.closeAfterFlush()
        #expect(try await b.readToEnd() == Array(0..<25))
    }

    @Test func writingToAClosedPeerFailsWithReset() async throws {
        let (a, b) = InMemoryDuplex.makePair()
        defer { a.close() }
        b.close()
        #expect(!a.enqueue([1]))
        let error = await #expect(throws: NetError.self) { try await a.write([1]) }
        #expect(error?.code == .connectionReset)
        #expect(try await a.read(maxLength: 1) == nil)
    }

    @Test func peerCloseFailsSuspendedWriterWithReset() async throws {
        let (a, b) = InMemoryDuplex.makePair(bufferLimit: 0, watermarks: WriteWatermarks(high: 4, low: 0))
        let writer = Task { try await a.write(Array(repeating: 1, count: 10)) }
        await waitUntil("the write is suspended") { a.pendingWriterCount == 1 }
        b.close()
        let error = await #expect(throws: NetError.self) { try await writer.value }
        #expect(error?.code == .connectionReset)
        a.close()
    }

    @Test func raisingWatermarksReleasesWriters() async throws {
        let (a, b) = InMemoryDuplex.makePair(bufferLimit: 0, watermarks: WriteWatermarks(high: 4, low: 0))
        defer { a.close(); b.close() }
        let writer = Task { try await a.write(Array(repeating: 1, count: 10)) }
        await waitUntil("the write is suspended") { a.pendingWriterCount == 1 }
        a.watermarks = WriteWatermarks(high: 100, low: 50)
        try await writer.value
        #expect(a.bufferedOutboundBytes == 10)
    }

    @Test func readsNeverExceedMaxLength() async throws {
        let (a, b) = InMemoryDuplex.makePair()
        defer { a.close(); b.close() }
        #expect(a.enqueue(Array(repeating: 2, count: 100)))
        #expect(a.enqueue(Array(repeating: 3, count: 100)))
        var received: [UInt8] = []
        while received.count < 200, let bytes = try await b.read(maxLength: 33) {
            #expect((1...33).contains(bytes.count))
            received += bytes
        }
        #expect(received == Array(repeating: 2, count: 100) + Array(repeating: 3, count: 100))
    }

    @Test func droppingOneEndEndsThePeersStream() async throws {
        let survivor: InMemoryStream
        do {
            let (dropped, other) = InMemoryDuplex.makePair()
            survivor = other
            #expect(dropped.enqueue([1]))
        }
        #expect(try await survivor.readToEnd() == [1])
        #expect(!survivor.enqueue([2]))
    }
}
