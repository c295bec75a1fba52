/// A finite-state-entropy encoding table (the inverse of ``FSETable``).
struct FSEEncodeTable: Sendable {
    let accuracyLog: Int
    /// Next state (in `size..<2·size`) by cumulative slot.
    private let stateTable: [UInt16]
    private let deltaFindState: [Int]
    private let deltaNumberOfBits: [Int]

    init(normalized: [Int16], accuracyLog: Int) throws {
        let size = 1 << accuracyLog
        let symbols = try FSETable.spread(normalized, accuracyLog: accuracyLog)
        var cumulative = [Int](repeating: 0, count: normalized.count + 1)
        for (symbol, count) in normalized.enumerated() {
            cumulative[symbol + 1] = cumulative[symbol] + (count == -1 ? 1 : Int(count))
        }
        var states = [UInt16](repeating: 0, count: size)
        for (state, symbol) in symbols.enumerated() {
            states[cumulative[Int(symbol)]] = UInt16(size + state)
            cumulative[Int(symbol)] += 1
        }
        var findState = [Int](repeating: 0, count: normalized.count)
        var numberOfBits = [Int](repeating: 0, count: normalized.count)
        var total = 0
        for (symbol, count16) in normalized.enumerated() {
            let count = Int(count16)
            switch count {
            case 0:
                numberOfBits[symbol] = (accuracyLog + 1) << 16 - size
            case -1, 1:
                numberOfBits[symbol] = accuracyLog << 16 - size
                findState[symbol] = total - 1
                total += 1
            default:
                let maxBitsOut = accuracyLog - (Int.bitWidth - 1 - (count - 1).leadingZeroBitCount)
                numberOfBits[symbol] = maxBitsOut << 16 - count << maxBitsOut
                findState[symbol] = total - count
                total += count
            }
        }
        self.accuracyLog = accuracyLog
        stateTable = states
        deltaFindState = findState
        deltaNumberOfBits = numberOfBits
    }

    /// The initial state, chosen to encode `symbol` (the last symbol of the stream) for free.
    func initialState(for symbol: Int) -> Int {
        let bitsOut = (deltaNumberOfBits[symbol] + (1 << 15)) >> 16
        let value = bitsOut << 16 - deltaNumberOfBits[symbol]
        return Int(stateTable[(value >> bitsOut) + deltaFindState[symbol]])
    }

    /// Encodes `symbol`: writes the low bits of `state` and moves to the next state.
    @inline(__always)
    func encode(_ symbol: Int, state: inout Int, into writer: inout LSBBitWriter) {
        let bitsOut = (state + deltaNumberOfBits[symbol]) >> 16
        writer.write(state & (1 << bitsOut - 1), bitsOut)
        state = Int(stateTable[(state >> bitsOut) + deltaFindState[symbol]])
    }

    /// Writes the final state (read first by the decoder).
    func flush(_ state: Int, into writer: inout LSBBitWriter) {
        writer.write(state & (1 << accuracyLog - 1), accuracyLog)
    }
}

extension ZstdPredefined {
    // The predefined distributions are valid by construction.
    static let literalLengthEncoder = try! FSEEncodeTable(normalized: literalLengthCounts, accuracyLog: literalLengthLog)
    static let matchLengthEncoder = try! FSEEncodeTable(normalized: matchLengthCounts, accuracyLog: matchLengthLog)
    static let offsetEncoder = try! FSEEncodeTable(normalized: offsetCounts, accuracyLog: offsetLog)
}
