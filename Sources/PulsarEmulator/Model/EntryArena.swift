/// Append-only byte storage for a topic's entries, in large segments allocated once and freed whole.
///
/// ```
///  segments:  [ seg 0: e0 e1 e2 … ][ seg 1: e57 e58 … ][ seg 2: e103 … (appending) ]
///  trimming e0…e56 releases seg 0; nothing is ever moved or copied again.
/// ```
/// Entries are copied once from the receive buffer, so a retained message costs its bytes plus a small
/// index record, and does not pin the network buffer it arrived in.
final class EntryArena: @unchecked Sendable {  // only ever used under the broker lock
    /// Where an entry's bytes are.
    struct Location: Equatable {
        var segment: Int32
        var offset: UInt32
        var length: UInt32
    }

    private final class Segment {
        let storage: UnsafeMutableRawBufferPointer
        var used = 0
        var live = 0
        init(capacity: Int) { storage = .allocate(byteCount: capacity, alignment: 8) }
        deinit { storage.deallocate() }
    }

    /// Bytes per regular segment; larger entries get a segment of their own.
    let segmentSize: Int
    private var segments: [Segment?] = []
    private var current: Int = -1

    /// Creates an arena; `segmentSize` defaults to 1 MiB.
    init(segmentSize: Int = 1 << 20) {
        self.segmentSize = segmentSize
    }

    /// Bytes allocated for segments that are still alive.
    private(set) var allocatedBytes = 0

    /// Copies `bytes` in and returns where they are.
    func append(_ bytes: UnsafeRawBufferPointer) -> Location {
        let length = bytes.count
        if current < 0 || segments[current]!.storage.count - segments[current]!.used < length {
            let segment = Segment(capacity: max(segmentSize, length))
            allocatedBytes += segment.storage.count
            segments.append(segment)
            current = segments.count - 1
        }
        let segment = segments[current]!
        let offset = segment.used
        if length > 0 {
            UnsafeMutableRawBufferPointer(rebasing: segment.storage[offset..<(offset + length)]).copyMemory(from: bytes)
        }
        segment.used += length
        segment.live += 1
        return Location(segment: Int32(current), offset: UInt32(offset), length: UInt32(length))
    }

    /// Copies the bytes of any collection in.
    func append(_ bytes: some Collection<UInt8>) -> Location {
        if let location = bytes.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) { return location }
        return Array(bytes).withUnsafeBytes { append($0) }
    }

    /// Calls `body` with the stored bytes. The pointer is valid only inside `body`.
    func withBytes<R>(_ location: Location, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let segment = segments[Int(location.segment)]!
        let start = Int(location.offset)
        return try body(UnsafeRawBufferPointer(rebasing: segment.storage[start..<(start + Int(location.length))]))
    }

    /// A copy of the stored bytes.
    func bytes(_ location: Location) -> [UInt8] {
        withBytes(location) { [UInt8]($0) }
    }

    /// Marks an entry as no longer needed; its segment is freed once none of its entries are.
    func release(_ location: Location) {
        let index = Int(location.segment)
        guard let segment = segments[index] else { return }
        segment.live -= 1
        if segment.live == 0, index != current {
            allocatedBytes -= segment.storage.count
            segments[index] = nil
        }
    }
}
