import PulsarWire

/// Between log positions (inside the broker) and message ids (on the wire). Ledger ids grow with positions, so the
/// signed order of (ledger id, entry id) is the order of positions, as on the broker.
extension TopicLog {
    /// The (ledger id, entry id) of log position `position`. A position before every ledger kept (one never written,
    /// such as the mark-delete position of a cursor that acknowledged nothing) is entry -1 of the oldest ledger kept.
    func messageId(at position: Int64) -> (ledgerId: UInt64, entryId: Int64) {
        guard let ledger = ledger(containing: position) else {
            let oldest = ledgers[0]
            return (oldest.id, position < oldest.firstPosition ? -1 : position - oldest.firstPosition)
        }
        return (ledger.id, position - ledger.firstPosition)
    }

    /// `ledger:entry` for a position, as the broker's stats print positions.
    func positionText(_ position: Int64) -> String {
        let (ledgerId, entryId) = messageId(at: position)
        return "\(Int64(bitPattern: ledgerId)):\(entryId)"
    }

    /// A `MessageIdData` for position `position`, with `partition` when given (-1 for a topic that is not a partition).
    func messageIdData(at position: Int64, partition: Int32?) -> MessageIdData {
        let (ledgerId, entryId) = messageId(at: position)
        return MessageIdData(ledgerId: ledgerId, entryId: UInt64(bitPattern: entryId), partition: partition)
    }

    /// The position of an entry that was written, for acknowledgements: nil for a ledger this log does not know or
    /// an entry id it has not written (the managed cursor refuses those positions).
    func writtenPosition(ledgerId: UInt64, entryId: UInt64) -> Int64? {
        let entry = Int64(bitPattern: entryId)
        guard entry >= 0, let ledger = ledger(withId: ledgerId), entry < ledger.entryCount else { return nil }
        return ledger.firstPosition + entry
    }

    /// The position a seek, a reader's start or a cursor reset designates, between `firstEntryId` and `nextEntryId`:
    /// an id before everything kept (earliest is (-1, -1)) is the first stored entry; an id past the end (latest is
    /// (Int64.max, Int64.max)) is the next entry to be written; an id in a ledger that is gone, or never was, is the
    /// first entry after it.
    func position(nearest ledgerId: UInt64, entryId: UInt64) -> Int64 {
        let signedLedgerId = Int64(bitPattern: ledgerId), entry = Int64(bitPattern: entryId)
        let position: Int64
        if let known = ledger(withId: ledgerId) {
            position = entry < 0 ? known.firstPosition : known.firstPosition + min(entry, known.entryCount)
        } else if let later = ledgers.first(where: { Int64(bitPattern: $0.id) > signedLedgerId }) {
            position = later.firstPosition
        } else {
            position = nextEntryId
        }
        return min(max(position, firstEntryId), nextEntryId)
    }

    /// The last written entry's id, as the admin `lastMessageId` answers it (the managed ledger's last confirmed
    /// entry): entry -1 of the current ledger while nothing was ever written.
    var lastMessageId: (ledgerId: UInt64, entryId: Int64) {
        lastEntryId < 0 ? (currentLedger.id, -1) : messageId(at: lastEntryId)
    }

    /// The first position no trimming may reach under the broker's default retention: closed ledgers go once every
    /// durable subscription acknowledged all of them (`acknowledgedThrough`, nil when there is no durable
    /// subscription), the current ledger stays.
    func trimBoundary(acknowledgedThrough: Int64?) -> Int64 {
        var boundary = firstEntryId
        for ledger in ledgers.dropLast() {
            if let acknowledgedThrough, ledger.endPosition - 1 > acknowledgedThrough { break }
            boundary = ledger.endPosition
        }
        return boundary
    }

    /// The kept ledger with id `id` (ids grow with positions, so the list is sorted by id).
    private func ledger(withId id: UInt64) -> Ledger? {
        var low = 0, high = ledgers.count
        while low < high {
            let middle = (low + high) / 2
            if ledgers[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low < ledgers.count && ledgers[low].id == id ? ledgers[low] : nil
    }

    private func ledger(containing position: Int64) -> Ledger? {
        var low = 0, high = ledgers.count
        while low < high {
            let middle = (low + high) / 2
            if ledgers[middle].endPosition <= position { low = middle + 1 } else { high = middle }
        }
        guard low < ledgers.count, ledgers[low].firstPosition <= position else {
            // Past the last entry written: the current ledger's next entry.
            let current = currentLedger
            return position >= current.firstPosition ? current : nil
        }
        return ledgers[low]
    }
}
