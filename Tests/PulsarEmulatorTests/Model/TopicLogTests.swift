import Testing
@testable import PulsarEmulator

@Suite("Topic log and entry arena", .timeLimit(.minutes(1)))
struct TopicLogTests {
    private func append(_ log: inout TopicLog, _ text: String, publishTime: UInt64 = 0) -> Int64 {
        Array(text.utf8).withUnsafeBytes {
            log.append($0, messageCount: 1, isBatch: false, publishTime: publishTime, deliverAt: 0, keyHash: -1)
        }
    }

    @Test("entries keep their bytes and ids; trimming keeps ids growing")
    func appendAndTrim() {
        var log = TopicLog(ledgerIds: LedgerIDAllocator())
        for index in 0..<10 { #expect(append(&log, "entry-\(index)") == Int64(index)) }
        #expect(log.withBytes(3) { String(decoding: $0, as: UTF8.self) } == "entry-3")
        log.trim(before: 5)
        #expect(log.firstEntryId == 5 && log.count == 5)
        #expect(log.entry(4) == nil)
        #expect(append(&log, "next") == 10)
        #expect(log.messageCount == 6)
    }

    @Test("segments are freed once all their entries are trimmed")
    func segmentsFreed() {
        let arena = EntryArena(segmentSize: 64)
        let payload = [UInt8](repeating: 1, count: 40)
        let locations = (0..<6).map { _ in payload.withUnsafeBytes { arena.append($0) } }
        #expect(arena.allocatedBytes == 6 * 64)
        for location in locations.prefix(5) { arena.release(location) }
        #expect(arena.allocatedBytes == 64, "only the current segment stays")
        #expect(arena.bytes(locations[5]) == payload)
    }

    @Test("an entry larger than a segment gets its own")
    func largeEntry() {
        let arena = EntryArena(segmentSize: 64)
        let big = [UInt8](repeating: 9, count: 1000)
        let location = big.withUnsafeBytes { arena.append($0) }
        #expect(arena.bytes(location) == big)
    }

    @Test("publish-time search finds the first entry at or after a time")
    func publishTimeSearch() {
        var log = TopicLog(ledgerIds: LedgerIDAllocator())
        for index in 0..<5 { _ = append(&log, "e", publishTime: UInt64(100 * index)) }
        #expect(log.firstEntry(publishedAtOrAfter: 250) == 3)
        #expect(log.firstEntry(publishedAtOrAfter: 0) == 0)
        #expect(log.firstEntry(publishedAtOrAfter: 1000) == 5)
    }
}
