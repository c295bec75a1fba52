import PulsarWire

/// What the broker keeps about one stored entry besides its bytes.
struct StoredEntry {
    /// Where the bytes (magic number onwards, exactly as the producer sent them) are.
    var location: EntryArena.Location
    /// Messages in the entry: 1, or the batch size.
    var messageCount: Int32
    /// Whether the producer sent it in batch format (`num_messages_in_batch` present, even for a batch of one).
    var isBatch: Bool
    /// Producer-assigned publish time, milliseconds since the epoch.
    var publishTime: UInt64
    /// Delayed delivery time in milliseconds since the epoch, or 0 for none.
    var deliverAt: Int64
    /// Sticky-key hash: non-negative Murmur3 of the ordering key, else the partition key, else `NONE_KEY`.
    var keyHash: Int32
}

/// A persistent topic's append-only log of entries. Inside the broker an entry is known by its log position, which
/// grows from 0 and is never reused; on the wire it is (ledger id, entry id), as the log is cut into ledgers that
/// roll over like the broker's managed ledger (see ``Ledger``).
///
/// ```
///  firstEntryId ─┐                     ┌─ lastEntryId = firstEntryId + count - 1
///                ▼                     ▼
///  entries:   [ e5 | e6 | e7 | … | e41 ]      (e0…e4 trimmed)
/// ```
struct TopicLog {
    private(set) var firstEntryId: Int64 = 0
    private var entries: [StoredEntry] = []
    private var head = 0
    let arena = EntryArena()
    /// The ledgers still holding entries, or holding the position just before the first stored one, oldest first.
    /// The last is the current (open) ledger.
    private(set) var ledgers: [Ledger]
    private let rollover: LedgerRollover
    private let ledgerIds: LedgerIDAllocator

    /// Creates an empty log whose first ledger gets an id from `ledgerIds`.
    init(ledgerIds: LedgerIDAllocator, rollover: LedgerRollover = LedgerRollover()) {
        self.ledgerIds = ledgerIds
        self.rollover = rollover
        ledgers = [Ledger(id: ledgerIds.make(), firstPosition: 0)]
    }

    /// The current (open) ledger.
    var currentLedger: Ledger { ledgers[ledgers.count - 1] }
    /// The id the next appended entry gets.
    var nextEntryId: Int64 { firstEntryId + Int64(entries.count - head) }
    /// The last entry's id, or `firstEntryId - 1` when the log is empty.
    var lastEntryId: Int64 { nextEntryId - 1 }
    /// Entries currently stored.
    var count: Int { entries.count - head }
    /// Messages currently stored (batches count their messages).
    private(set) var messageCount = 0
    /// Entry bytes currently stored.
    private(set) var storedBytes = 0

    /// Appends an entry and returns its id.
    mutating func append(_ bytes: UnsafeRawBufferPointer, messageCount: Int32, isBatch: Bool, publishTime: UInt64,
                         deliverAt: Int64, keyHash: Int32) -> Int64 {
        let id = nextEntryId
        let location = arena.append(bytes)
        entries.append(StoredEntry(location: location, messageCount: messageCount, isBatch: isBatch, publishTime: publishTime,
                                   deliverAt: deliverAt, keyHash: keyHash))
        self.messageCount += Int(messageCount)
        storedBytes += bytes.count
        ledgers[ledgers.count - 1].entryCount += 1
        ledgers[ledgers.count - 1].byteCount += bytes.count
        if currentLedger.entryCount >= rollover.maxEntries || currentLedger.byteCount >= rollover.maxBytes {
            // Like the managed ledger: a full ledger is closed at once and the next one opened.
            ledgers.append(Ledger(id: ledgerIds.make(), firstPosition: nextEntryId))
        }
        return id
    }

    /// The entry with `id`, if stored.
    func entry(_ id: Int64) -> StoredEntry? {
        guard id >= firstEntryId, id < nextEntryId else { return nil }
        return entries[head + Int(id - firstEntryId)]
    }

    /// Calls `body` with entry `id`'s bytes (valid only inside `body`).
    func withBytes<R>(_ id: Int64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard let entry = entry(id) else { return nil }
        return try arena.withBytes(entry.location, body)
    }

    /// Drops every entry with an id below `id`.
    mutating func trim(before id: Int64) {
        while firstEntryId < id, head < entries.count {
            let entry = entries[head]
            arena.release(entry.location)
            messageCount -= Int(entry.messageCount)
            storedBytes -= Int(entry.location.length)
            head += 1
            firstEntryId += 1
        }
        if head > 1024, head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
        // Keep the ledger holding the position before the first stored entry: mark-delete positions point there.
        while ledgers.count > 1, ledgers[0].endPosition < firstEntryId {
            ledgers.removeFirst()
        }
    }

    /// The first stored entry whose publish time is at or after `time`, or `nextEntryId` if none.
    func firstEntry(publishedAtOrAfter time: UInt64) -> Int64 {
        var low = head, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].publishTime < time { low = middle + 1 } else { high = middle }
        }
        return firstEntryId + Int64(low - head)
    }
}
