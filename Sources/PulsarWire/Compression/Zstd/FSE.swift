/// A finite-state-entropy decoding table (RFC 8878 §4.1).
struct FSETable: Sendable {
    /// Per state: `baseline << 16 | numberOfBits << 8 | symbol`.
    private(set) var entries: [UInt32]
    /// log2 of the number of states (0 for an RLE table).
    let accuracyLog: Int

    private init(entries: [UInt32], accuracyLog: Int) {
        self.entries = entries
        self.accuracyLog = accuracyLog
    }

    /// A one-state table that always decodes `symbol` and reads no bits (RLE mode).
    static func rle(_ symbol: UInt8) -> FSETable { FSETable(entries: [UInt32(symbol)], accuracyLog: 0) }

    /// Builds the table from normalized counts (−1 = "less than one").
    init(normalized: [Int16], accuracyLog: Int) throws {
        let size = 1 << accuracyLog
        let symbols = try Self.spread(normalized, accuracyLog: accuracyLog)
        var next = normalized.map { $0 == -1 ? 1 : Int($0) }
        var entries = [UInt32](repeating: 0, count: size)
        for state in 0..<size {
            let symbol = Int(symbols[state])
            let x = next[symbol]
            next[symbol] += 1
            let bits = accuracyLog - (Int.bitWidth - 1 - x.leadingZeroBitCount)
            let baseline = (x << bits) - size
            entries[state] = UInt32(baseline) << 16 | UInt32(bits) << 8 | UInt32(symbol)
        }
        self.entries = entries
        self.accuracyLog = accuracyLog
    }

    /// The symbol of each state: "less than one" symbols at the top, the others spread
    /// with the format's step (shared by the decoder and the encoder).
    static func spread(_ normalized: [Int16], accuracyLog: Int) throws -> [UInt8] {
        let size = 1 << accuracyLog
        var total = 0
        for count in normalized { total += count == -1 ? 1 : Int(count) }
        guard total == size, normalized.count <= 256, normalized.allSatisfy({ $0 >= -1 }) else {
            throw WireError.corruptCompressedData("bad FSE distribution")
        }
        var symbols = [UInt8](repeating: 0, count: size)
        var high = size - 1
        for (symbol, count) in normalized.enumerated() where count == -1 {
            symbols[high] = UInt8(symbol)
            high -= 1
        }
        let step = (size >> 1) + (size >> 3) + 3
        let mask = size - 1
        var position = 0
        for (symbol, count) in normalized.enumerated() where count > 0 {
            for _ in 0..<Int(count) {
                symbols[position] = UInt8(symbol)
                repeat { position = (position + step) & mask } while position > high
            }
        }
        guard position == 0 else { throw WireError.corruptCompressedData("bad FSE distribution") }
        return symbols
    }

    /// Reads a table description from `p[start..<end]`; returns the table and the bytes used.
    static func read(
        _ p: UnsafePointer<UInt8>, start: Int, end: Int, maxSymbol: Int, maxAccuracyLog: Int
    ) throws -> (FSETable, Int) {
        let available = (end - start) * 8
        var bitPosition = 0
        /// `n` ≤ 25 bits at `bitPosition`, zero beyond the end.
        func peek(_ n: Int) -> Int {
            let byte = start + bitPosition >> 3
            var value: UInt64 = 0
            for k in 0..<5 where byte + k < end { value |= UInt64(p[byte + k]) << UInt64(8 * k) }
            return Int(truncatingIfNeeded: value >> UInt64(bitPosition & 7)) & (1 << n - 1)
        }
        guard available > 0 else { throw WireError.corruptCompressedData("missing FSE table description") }
        let accuracyLog = peek(4) + 5
        bitPosition = 4
        guard accuracyLog <= maxAccuracyLog else { throw WireError.corruptCompressedData("FSE accuracy log too large") }
        var normalized: [Int16] = []
        var remaining = (1 << accuracyLog) + 1
        var threshold = 1 << accuracyLog
        var bits = accuracyLog + 1
        var previousWasZero = false
        while remaining > 1 && normalized.count <= maxSymbol {
            if previousWasZero {
                while true {
                    guard bitPosition <= available else { throw WireError.corruptCompressedData("truncated FSE table description") }
                    let repeats = peek(2)
                    bitPosition += 2
                    for _ in 0..<repeats { normalized.append(0) }
                    if repeats != 3 { break }
                }
                guard normalized.count <= maxSymbol else { throw WireError.corruptCompressedData("FSE symbol out of range") }
            }
            let largest = 2 * threshold - 1 - remaining
            var count = peek(bits - 1)
            if count < largest {
                bitPosition += bits - 1
            } else {
                count = peek(bits)
                if count >= threshold { count -= largest }
                bitPosition += bits
            }
            count -= 1
            remaining -= abs(count)
            guard remaining >= 1 else { throw WireError.corruptCompressedData("bad FSE table description") }
            normalized.append(Int16(count))
            previousWasZero = count == 0
            while remaining < threshold {
                bits -= 1
                threshold >>= 1
            }
        }
        guard remaining == 1, bitPosition <= available else {
            throw WireError.corruptCompressedData("bad FSE table description")
        }
        return (try FSETable(normalized: normalized, accuracyLog: accuracyLog), (bitPosition + 7) >> 3)
    }
}

/// The predefined sequence distributions (RFC 8878 §3.1.1.3.2.2).
enum ZstdPredefined {
    static let literalLengthCounts: [Int16] = [
        4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
        -1, -1, -1, -1,
    ]
    static let matchLengthCounts: [Int16] = [
        1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
    ]
    static let offsetCounts: [Int16] = [
        1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
    ]
    static let literalLengthLog = 6, matchLengthLog = 6, offsetLog = 5

    // The predefined distributions are valid by construction.
    static let literalLengths = try! FSETable(normalized: literalLengthCounts, accuracyLog: literalLengthLog)
    static let matchLengths = try! FSETable(normalized: matchLengthCounts, accuracyLog: matchLengthLog)
    static let offsets = try! FSETable(normalized: offsetCounts, accuracyLog: offsetLog)
}
