import PulsarWire

/// Where a message is stored: `(ledgerId, entryId)` names the entry (one SEND; possibly a batch), `batchIndex` the
/// message inside a batch (-1 when the entry holds a single message), `partition` the partition (-1 when the topic
/// is not partitioned).
///
/// Ids order like the topic: by partition, then ledger, entry and batch index. ``earliest`` and ``latest`` are the
/// sentinels readers and seeks accept.
public struct MessageID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The ledger (storage segment).
    public var ledgerId: Int64
    /// The entry inside the ledger.
    public var entryId: Int64
    /// The partition index, or -1 for a non-partitioned topic.
    public var partition: Int32
    /// The index inside a batched entry, or -1.
    public var batchIndex: Int32
    /// How many messages the entry holds (0 when unknown); not part of equality.
    var batchSize: Int32 = 0

    /// Creates an id.
    public init(ledgerId: Int64, entryId: Int64, partition: Int32 = -1, batchIndex: Int32 = -1) {
        self.ledgerId = ledgerId
        self.entryId = entryId
        self.partition = partition
        self.batchIndex = batchIndex
    }

    init(ledgerId: Int64, entryId: Int64, partition: Int32, batchIndex: Int32, batchSize: Int32) {
        self.init(ledgerId: ledgerId, entryId: entryId, partition: partition, batchIndex: batchIndex)
        self.batchSize = batchSize
    }

    /// The first message of a topic (a reader or seek position).
    public static let earliest = MessageID(ledgerId: -1, entryId: -1)
    /// Past the last message of a topic (a reader or seek position).
    public static let latest = MessageID(ledgerId: Int64.max, entryId: Int64.max)

    /// `ledger:entry:partition:batchIndex`, as the Java client prints ids.
    public var description: String { "\(ledgerId):\(entryId):\(partition):\(batchIndex)" }

    /// Orders by partition, ledger, entry, then batch index.
    public static func < (lhs: MessageID, rhs: MessageID) -> Bool {
        (lhs.partition, lhs.ledgerId, lhs.entryId, lhs.batchIndex) < (rhs.partition, rhs.ledgerId, rhs.entryId, rhs.batchIndex)
    }

    /// Equal when ledger, entry, partition and batch index are equal.
    public static func == (lhs: MessageID, rhs: MessageID) -> Bool {
        lhs.ledgerId == rhs.ledgerId && lhs.entryId == rhs.entryId && lhs.partition == rhs.partition
            && lhs.batchIndex == rhs.batchIndex
    }

    /// Hashes the fields equality compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(ledgerId)
        hasher.combine(entryId)
        hasher.combine(partition)
        hasher.combine(batchIndex)
    }

    /// The id in the wire form (`MessageIdData` protobuf), to store and restore with ``init(serialized:)``.
    public func serialized() -> [UInt8] {
        var data = MessageIdData(ledgerId: UInt64(bitPattern: ledgerId), entryId: UInt64(bitPattern: entryId),
                                 partition: partition, batchIndex: batchIndex)
        if batchSize > 0 { data.batchSize = batchSize }
        return data.serializedBytes()
    }

    /// Restores an id written by ``serialized()`` (or by another Pulsar client's `toByteArray`).
    ///
    /// - Throws: ``PulsarClientError/Code/invalidMessageID`` if the bytes are not a `MessageIdData`.
    public init(serialized bytes: [UInt8]) throws {
        do {
            self.init(wire: try MessageIdData(serializedBytes: bytes))
        } catch {
            throw PulsarClientError(.invalidMessageID, "cannot decode a message id: \(error)")
        }
    }

    /// An id from the wire form.
    init(wire data: MessageIdData) {
        self.init(ledgerId: Int64(bitPattern: data.ledgerId), entryId: Int64(bitPattern: data.entryId),
                  partition: data.partition, batchIndex: data.batchIndex, batchSize: data.hasBatchSize ? data.batchSize : 0)
    }

    /// The entry's id on the wire: ledger and entry only, as clients send them in ACK, SEEK and REDELIVER.
    var entryData: MessageIdData {
        MessageIdData(ledgerId: UInt64(bitPattern: ledgerId), entryId: UInt64(bitPattern: entryId))
    }

    /// The id with ledger, entry, partition and batch index on the wire (a reader's start position).
    var fullData: MessageIdData {
        var data = MessageIdData(ledgerId: UInt64(bitPattern: ledgerId), entryId: UInt64(bitPattern: entryId))
        if partition >= 0 { data.partition = partition }
        if batchIndex >= 0 { data.batchIndex = batchIndex }
        return data
    }

    /// The entry this message belongs to.
    var entry: EntryKey { EntryKey(ledgerId: ledgerId, entryId: entryId) }
}

/// One stored entry of one topic, as acknowledgements and redeliveries address it.
struct EntryKey: Hashable, Comparable, Sendable {
    var ledgerId: Int64
    var entryId: Int64

    static func < (lhs: EntryKey, rhs: EntryKey) -> Bool { (lhs.ledgerId, lhs.entryId) < (rhs.ledgerId, rhs.entryId) }

    /// The wire id of the entry.
    var data: MessageIdData { MessageIdData(ledgerId: UInt64(bitPattern: ledgerId), entryId: UInt64(bitPattern: entryId)) }
}
