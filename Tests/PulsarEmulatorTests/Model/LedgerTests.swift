import PulsarWire
import Testing
@testable import PulsarEmulator

@Suite("Ledgers: rollover, message ids and the broker's default trimming", .timeLimit(.minutes(1)))
struct LedgerTests {
    private func log(maxEntries: Int, ids: LedgerIDAllocator = LedgerIDAllocator()) -> TopicLog {
        TopicLog(ledgerIds: ids, rollover: LedgerRollover(maxEntries: maxEntries))
    }

    private func append(_ log: inout TopicLog, count: Int) {
        for _ in 0..<count {
            _ = [UInt8](repeating: 7, count: 10).withUnsafeBytes {
                log.append($0, messageCount: 1, isBatch: false, publishTime: 0, deliverAt: 0, keyHash: -1)
            }
        }
    }

    @Test("a full ledger is closed at once and the next one opened; ids restart at entry 0")
    func rollover() {
        var topic = log(maxEntries: 3)
        append(&topic, count: 7)
        #expect(topic.ledgers.map(\.id) == [1, 2, 3])
        #expect(topic.ledgers.map(\.entryCount) == [3, 3, 1])
        #expect(topic.messageId(at: 0) == (1, 0))
        #expect(topic.messageId(at: 2) == (1, 2))
        #expect(topic.messageId(at: 3) == (2, 0))
        #expect(topic.messageId(at: 6) == (3, 0))
        #expect(topic.lastMessageId == (3, 0))
        append(&topic, count: 2)  // fills ledger 3: ledger 4 opens empty
        #expect(topic.currentLedger.id == 4 && topic.currentLedger.entryCount == 0)
        #expect(topic.lastMessageId == (3, 2), "the last confirmed entry stays in the closed ledger")
    }

    @Test("ledger ids are unique across topics and grow")
    func idsAcrossTopics() {
        let ids = LedgerIDAllocator()
        var first = log(maxEntries: 2, ids: ids)
        let second = log(maxEntries: 2, ids: ids)
        append(&first, count: 2)
        #expect(first.ledgers.map(\.id) == [1, 3])
        #expect(second.ledgers.map(\.id) == [2])
    }

    @Test("an empty topic's last message id is entry -1 of its current ledger")
    func emptyLastMessageId() {
        let topic = log(maxEntries: 10)
        #expect(topic.lastMessageId == (1, -1))
        #expect(topic.messageId(at: -1) == (1, -1), "a cursor that acknowledged nothing")
    }

    @Test("acknowledgements name written entries only")
    func writtenPositions() {
        var topic = log(maxEntries: 3)
        append(&topic, count: 4)
        #expect(topic.writtenPosition(ledgerId: 1, entryId: 2) == 2)
        #expect(topic.writtenPosition(ledgerId: 2, entryId: 0) == 3)
        #expect(topic.writtenPosition(ledgerId: 2, entryId: 1) == nil, "not yet written")
        #expect(topic.writtenPosition(ledgerId: 9, entryId: 0) == nil, "unknown ledger")
        #expect(topic.writtenPosition(ledgerId: 1, entryId: UInt64.max) == nil, "entry -1")
    }

    @Test("seek and reader positions clamp to what is kept")
    func nearestPositions() {
        var topic = log(maxEntries: 3)
        append(&topic, count: 7)  // ledgers 1 [0…2], 2 [3…5], 3 [6]
        #expect(topic.position(nearest: UInt64.max, entryId: UInt64.max) == 0, "earliest (-1, -1)")
        #expect(topic.position(nearest: UInt64(Int64.max), entryId: UInt64(Int64.max)) == 7, "latest")
        #expect(topic.position(nearest: 2, entryId: 1) == 4)
        #expect(topic.position(nearest: 2, entryId: UInt64.max) == 3, "(2, -1) is before ledger 2's first entry")
        #expect(topic.position(nearest: 2, entryId: 99) == 6, "past a closed ledger's end is the next ledger")
        topic.trim(before: 3)
        #expect(topic.position(nearest: 1, entryId: 0) == 3, "a trimmed ledger is the first kept entry")
        #expect(topic.ledgers.map(\.id) == [1, 2, 3], "ledger 1 holds the position before the first kept entry")
        topic.trim(before: 6)
        #expect(topic.ledgers.map(\.id) == [2, 3])
    }

    @Test("default retention: closed ledgers go once acknowledged by every durable subscription, the current one stays")
    func trimBoundary() {
        var topic = log(maxEntries: 3)
        append(&topic, count: 7)
        #expect(topic.trimBoundary(acknowledgedThrough: -1) == 0, "nothing acknowledged")
        #expect(topic.trimBoundary(acknowledgedThrough: 4) == 3, "ledger 1 fully acknowledged, ledger 2 not")
        #expect(topic.trimBoundary(acknowledgedThrough: 6) == 6, "the current ledger stays even when acknowledged")
        #expect(topic.trimBoundary(acknowledgedThrough: nil) == 6, "no durable subscription: every closed ledger goes")
    }
}
