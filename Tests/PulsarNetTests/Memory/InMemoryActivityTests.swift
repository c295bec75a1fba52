import PulsarSupport
import Testing
@testable import PulsarNet

/// In-memory streams report to an activity monitor while bytes are unread or their reader still works on them.
@Suite(.timeLimit(.minutes(1))) struct InMemoryActivityTests {
    @Test func anInMemoryDirectionIsBusyUntilItsReaderComesBackForMore() async throws {
        let monitor = ActivityMonitor()
        let (a, b) = InMemoryDuplex.makePair(activity: monitor)
        defer { a.close(); b.close() }
        #expect(monitor.busy == 0)
        #expect(a.enqueue([1, 2, 3]))
        #expect(monitor.busy == 1)
        #expect(try await b.read(maxLength: 2) == [1, 2])
        #expect(monitor.busy == 1, "a byte is still unread")
        #expect(try await b.read(maxLength: 2) == [3])
        #expect(monitor.busy == 1, "the reader is still working on what it took")
        let nextRead = Task { try await b.read(maxLength: 16) }
        await waitUntil("the reader came back for more") { monitor.busy == 0 }
        #expect(b.enqueue([9]), "the other direction")
        #expect(monitor.busy == 1)
        #expect(try await a.read(maxLength: 16) == [9])
        #expect(a.enqueue([4]))
        #expect(try await nextRead.value == [4])
        #expect(monitor.busy == 2, "both readers hold bytes")
        a.close()
        b.close()
        #expect(monitor.busy == 0, "closing ends all of it")
    }

    @Test func unreadBytesOfAClosedReceiverDoNotCount() {
        let monitor = ActivityMonitor()
        let (a, b) = InMemoryDuplex.makePair(activity: monitor)
        #expect(a.enqueue([1, 2, 3]))
        #expect(monitor.busy == 1)
        b.close()
        #expect(monitor.busy == 1, "a's bytes to b are gone, but a has not seen b's end of stream yet")
        a.close()
        #expect(monitor.busy == 0)
    }

    @Test func anEndOfStreamCountsUntilTheReaderSeesIt() async throws {
        let monitor = ActivityMonitor()
        let (a, b) = InMemoryDuplex.makePair(activity: monitor)
        b.close()
        #expect(monitor.busy == 1, "the close is in flight until a reads it")
        let end = try await a.read(maxLength: 16)
        #expect(end == nil)
        #expect(monitor.busy == 0)
        a.close()
        #expect(monitor.busy == 0)
    }
}
