import Testing
@testable import PulsarNet

@Suite(.timeLimit(.minutes(1))) struct OutboxTests {
    @Test func framesLeaveInOrderAsOneWriteAndCountAsUnsentUntilRead() async throws {
        let (a, b) = InMemoryDuplex.makePair(bufferLimit: 4)
        defer { a.close(); b.close() }
        let outbox = Outbox(stream: a)
        outbox.append([1, 2, 3])
        outbox.append([4, 5])
        outbox.append([6])
        #expect(outbox.unsentByteCount == 6)
        #expect(a.bufferedOutboundBytes == 0)   // nothing reaches the stream before flush
        outbox.flush()
        #expect(outbox.unsentByteCount == 2)    // the peer buffers 4 bytes; 2 wait in the stream
        #expect(try await b.read(exactly: 6) == [1, 2, 3, 4, 5, 6])
        #expect(outbox.unsentByteCount == 0)
    }

    @Test func closeWhenFlushedClosesAfterTheQueuedFramesOnly() async throws {
        let (a, b) = InMemoryDuplex.makePair()
        defer { b.close() }
        let outbox = Outbox(stream: a)
        outbox.append([7, 8])
        outbox.closeWhenFlushed()
        outbox.flush()
        #expect(try await b.readToEnd() == [7, 8])
    }

    @Test func aReservedPlaceHoldsBackLaterFramesUntilFilled() async throws {
        let (a, b) = InMemoryDuplex.makePair()
        defer { a.close(); b.close() }
        let outbox = Outbox(stream: a)
        let first = outbox.reserve()
        let second = outbox.reserve()
        outbox.append([9])
        outbox.fill(second, with: [3, 4])
        outbox.flush()
        #expect(a.bufferedOutboundBytes == 0 && outbox.unsentByteCount == 3)   // #1 is missing: nothing leaves
        outbox.fill(first, with: [1, 2])
        outbox.flush()
        #expect(try await b.read(exactly: 5) == [1, 2, 3, 4, 9])
    }

    @Test func closeWaitsForReservedPlaces() async throws {
        let (a, b) = InMemoryDuplex.makePair()
        defer { b.close() }
        let outbox = Outbox(stream: a)
        let ticket = outbox.reserve()
        outbox.closeWhenFlushed()
        outbox.flush()                          // the reserved place is empty: the stream stays open
        outbox.fill(ticket, with: [5, 6])
        outbox.flush()
        #expect(try await b.readToEnd() == [5, 6])
    }
}
