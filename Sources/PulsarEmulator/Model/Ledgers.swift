/// When a topic's current ledger is closed and a new one opened (the broker's `managedLedgerMaxEntriesPerLedger`
/// and `managedLedgerMaxSizePerLedgerMbytes`).
public struct LedgerRollover: Sendable, Equatable {
    /// Entries after which the current ledger is closed (the broker's default is 50,000).
    public var maxEntries: Int
    /// Entry bytes after which the current ledger is closed (the broker's default is 2 GiB).
    public var maxBytes: Int

    /// A rollover rule; the defaults are the broker's. Values below 1 are raised to 1 (a ledger holds at least one
    /// entry).
    public init(maxEntries: Int = 50_000, maxBytes: Int = 2 << 30) {
        self.maxEntries = max(1, maxEntries)
        self.maxBytes = max(1, maxBytes)
    }
}

/// Hands out ledger ids, unique across every topic of one broker, in increasing order (as BookKeeper does).
final class LedgerIDAllocator: @unchecked Sendable {  // only used under the broker lock
    private var next: UInt64 = 1

    /// A fresh id.
    func make() -> UInt64 {
        defer { next += 1 }
        return next
    }
}

/// One ledger of a topic: a run of consecutive log positions whose message ids carry `id`, entry ids from 0.
///
/// ```
///  log positions:  0 ……………… 49999 │ 50000 ……………… 99999 │ 100000 … (appending)
///  message ids:    (3, 0)…(3, 49999) │ (8, 0)…(8, 49999)  │ (12, 0) …
///                  closed ledger 3     closed ledger 8       current ledger 12
/// ```
struct Ledger: Equatable {
    /// The ledger id on the wire.
    let id: UInt64
    /// The log position of its entry 0.
    let firstPosition: Int64
    /// Entries written to it.
    var entryCount: Int64 = 0
    /// Entry bytes written to it.
    var byteCount = 0

    /// The position after its last entry.
    var endPosition: Int64 { firstPosition + entryCount }
}
