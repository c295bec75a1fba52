import Testing
@testable import PulsarEmulator

@Suite("Cursor", .timeLimit(.minutes(1)))
struct CursorTests {
    @Test("individual acks advance the mark-delete position across contiguous runs")
    func individual() {
        var cursor = Cursor(firstUnacknowledged: 0)
        cursor.acknowledge(1)
        cursor.acknowledge(2)
        #expect(cursor.markDeletePosition == -1)
        #expect(cursor.isAcknowledged(2) && !cursor.isAcknowledged(0))
        cursor.acknowledge(0)
        #expect(cursor.markDeletePosition == 2)
        #expect(cursor.individuallyAcked.isEmpty)
    }

    @Test("cumulative acks move the mark-delete position and absorb individual acks above it")
    func cumulative() {
        var cursor = Cursor(firstUnacknowledged: 0)
        cursor.acknowledge(6)
        cursor.acknowledgeCumulative(through: 5)
        #expect(cursor.markDeletePosition == 6)
        cursor.acknowledgeCumulative(through: 3)
        #expect(cursor.markDeletePosition == 6, "never moves back")
    }

    @Test("batch acks intersect until every index is acknowledged")
    func batch() {
        var cursor = Cursor(firstUnacknowledged: 0)
        let first = cursor.acknowledge(0, ackSet: [0b1110])
        #expect(!first)
        #expect(cursor.unacknowledgedBatchIndexes(0) == [0b1110])
        let second = cursor.acknowledge(0, ackSet: [0b1011])
        #expect(!second)
        #expect(cursor.unacknowledgedBatchIndexes(0) == [0b1010])
        let third = cursor.acknowledge(0, ackSet: [0b0101])
        #expect(third)
        #expect(cursor.markDeletePosition == 0)
    }

    @Test("reset forgets acks from the position on")
    func reset() {
        var cursor = Cursor(firstUnacknowledged: 0)
        cursor.acknowledgeCumulative(through: 9)
        cursor.reset(to: 4)
        #expect(cursor.markDeletePosition == 3)
        #expect(cursor.readPosition == 4)
        #expect(!cursor.isAcknowledged(4))
    }
}
