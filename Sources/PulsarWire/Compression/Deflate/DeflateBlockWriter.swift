/// Collects LZ77 tokens of one DEFLATE block and writes the block in the cheapest of
/// the dynamic Huffman, fixed Huffman and stored encodings.
struct DeflateBlockWriter {
    /// Literal: the byte. Match: `1 << 31 | length << 16 | (distance − 1)`.
    private var tokens: [UInt32] = []
    private var literalFrequencies = [UInt32](repeating: 0, count: 286)
    private var distanceFrequencies = [UInt32](repeating: 0, count: 30)
    private let tokenCapacity: Int

    init(tokenCapacity: Int) {
        self.tokenCapacity = tokenCapacity
        tokens.reserveCapacity(tokenCapacity)
    }

    var isFull: Bool { tokens.count >= tokenCapacity }

    @inline(__always)
    mutating func addLiteral(_ byte: UInt8) {
        tokens.append(UInt32(byte))
        literalFrequencies[Int(byte)] += 1
    }

    @inline(__always)
    mutating func addMatch(length: Int, distance: Int) {
        tokens.append(1 << 31 | UInt32(length) << 16 | UInt32(distance - 1))
        literalFrequencies[257 + Int(DeflateTables.lengthSymbol[length])] += 1
        distanceFrequencies[DeflateTables.distanceSymbol(distance)] += 1
    }

    /// Writes the collected tokens, which encode `src[rawStart..<rawEnd]`, and resets.
    mutating func flush(
        _ src: UnsafeBufferPointer<UInt8>, rawStart: Int, rawEnd: Int, isFinal: Bool, into writer: inout LSBBitWriter
    ) {
        literalFrequencies[256] = 1
        var literalFreq = literalFrequencies, distanceFreq = distanceFrequencies
        Self.ensureTwoSymbols(&literalFreq)
        Self.ensureTwoSymbols(&distanceFreq)
        let literalLengths = HuffmanCodeBuilder.lengths(literalFreq, maxBits: 15)
        let distanceLengths = HuffmanCodeBuilder.lengths(distanceFreq, maxBits: 15)
        var literalCount = 286, distanceCount = 30
        while literalLengths[literalCount - 1] == 0 { literalCount -= 1 }
        while distanceLengths[distanceCount - 1] == 0 { distanceCount -= 1 }

        // Run-length encode the code lengths with symbols 16 (repeat), 17 and 18 (zeros).
        let allLengths = Array(literalLengths[0..<literalCount]) + Array(distanceLengths[0..<distanceCount])
        let codeLengthSymbols = Self.runLengthEncode(allLengths)  // symbol | extra << 8
        var codeLengthFreq = [UInt32](repeating: 0, count: 19)
        for item in codeLengthSymbols { codeLengthFreq[item & 0xFF] += 1 }
        Self.ensureTwoSymbols(&codeLengthFreq)
        let codeLengthLengths = HuffmanCodeBuilder.lengths(codeLengthFreq, maxBits: 7)
        var codeLengthCount = 19
        while codeLengthCount > 4 && codeLengthLengths[DeflateTables.codeLengthOrder[codeLengthCount - 1]] == 0 {
            codeLengthCount -= 1
        }

        // Costs in bits.
        var extraBits = 0
        for k in 0..<29 { extraBits += Int(literalFrequencies[257 + k]) * Int(DeflateTables.lengthExtra[k]) }
        for k in 0..<30 { extraBits += Int(distanceFrequencies[k]) * Int(DeflateTables.distanceExtra[k]) }
        var dynamicCost = 3 + 14 + 3 * codeLengthCount + extraBits
        for item in codeLengthSymbols {
            dynamicCost += Int(codeLengthLengths[item & 0xFF]) + Self.extraBits(ofCodeLengthSymbol: item & 0xFF)
        }
        var fixedCost = 3 + extraBits
        for k in 0..<286 {
            dynamicCost += Int(literalFrequencies[k]) * Int(literalLengths[k])
            fixedCost += Int(literalFrequencies[k]) * Int(DeflateTables.fixedLiteralLengths[k])
        }
        for k in 0..<30 {
            dynamicCost += Int(distanceFrequencies[k]) * Int(distanceLengths[k])
            fixedCost += Int(distanceFrequencies[k]) * 5
        }
        let rawLength = rawEnd - rawStart
        let storedCost = (rawLength + 65534) / 65535 * 40 + 8 * rawLength + 10

        if storedCost <= dynamicCost && storedCost <= fixedCost && rawLength > 0 {
            writeStored(src, rawStart, rawEnd, isFinal, &writer)
        } else if fixedCost <= dynamicCost {
            writer.write(isFinal ? 0b011 : 0b010, 3)
            writeTokens(DeflateTables.fixedLiteralLengths, DeflateTables.fixedDistanceLengths, &writer)
        } else {
            writer.write(isFinal ? 0b101 : 0b100, 3)
            writer.write(literalCount - 257, 5)
            writer.write(distanceCount - 1, 5)
            writer.write(codeLengthCount - 4, 4)
            for k in 0..<codeLengthCount {
                writer.write(Int(codeLengthLengths[DeflateTables.codeLengthOrder[k]]), 3)
            }
            let codes = HuffmanCodeBuilder.reversedCodes(codeLengthLengths)
            for item in codeLengthSymbols {
                let symbol = item & 0xFF
                writer.write(Int(codes[symbol]), Int(codeLengthLengths[symbol]))
                writer.write(item >> 8, Self.extraBits(ofCodeLengthSymbol: symbol))
            }
            writeTokens(literalLengths, distanceLengths, &writer)
        }
        tokens.removeAll(keepingCapacity: true)
        for k in literalFrequencies.indices { literalFrequencies[k] = 0 }
        for k in distanceFrequencies.indices { distanceFrequencies[k] = 0 }
    }

    private func writeTokens(_ literalLengths: [UInt8], _ distanceLengths: [UInt8], _ writer: inout LSBBitWriter) {
        let literalCodes = HuffmanCodeBuilder.reversedCodes(literalLengths)
        let distanceCodes = HuffmanCodeBuilder.reversedCodes(distanceLengths)
        for token in tokens {
            if token & 1 << 31 == 0 {
                writer.write(Int(literalCodes[Int(token)]), Int(literalLengths[Int(token)]))
                continue
            }
            let length = Int(token >> 16) & 0x1FF
            let distance = Int(token & 0xFFFF) + 1
            let lengthIndex = Int(DeflateTables.lengthSymbol[length])
            writer.write(Int(literalCodes[257 + lengthIndex]), Int(literalLengths[257 + lengthIndex]))
            writer.write(length - Int(DeflateTables.lengthBase[lengthIndex]), Int(DeflateTables.lengthExtra[lengthIndex]))
            let distanceIndex = DeflateTables.distanceSymbol(distance)
            writer.write(Int(distanceCodes[distanceIndex]), Int(distanceLengths[distanceIndex]))
            writer.write(
                distance - Int(DeflateTables.distanceBase[distanceIndex]), Int(DeflateTables.distanceExtra[distanceIndex]))
        }
        writer.write(Int(literalCodes[256]), Int(literalLengths[256]))
    }

    private func writeStored(
        _ src: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ isFinal: Bool, _ writer: inout LSBBitWriter
    ) {
        var position = start
        while position < end {
            let length = min(65535, end - position)
            let last = position + length == end
            writer.write(isFinal && last ? 1 : 0, 3)
            writer.alignToByte()
            for byte in [length & 0xFF, length >> 8, ~length & 0xFF, (~length >> 8) & 0xFF] {
                writer.appendByte(UInt8(truncatingIfNeeded: byte))
            }
            writer.append(contentsOf: UnsafeBufferPointer(rebasing: src[position..<(position + length)]))
            position += length
        }
    }

    private static func extraBits(ofCodeLengthSymbol symbol: Int) -> Int {
        switch symbol {
        case 16: 2
        case 17: 3
        case 18: 7
        default: 0
        }
    }

    /// Gives a complete code at least two symbols (a one-symbol code is incomplete).
    private static func ensureTwoSymbols(_ frequencies: inout [UInt32]) {
        var used = 0
        for f in frequencies where f > 0 { used += 1 }
        var k = 0
        while used < 2 {
            if frequencies[k] == 0 {
                frequencies[k] = 1
                used += 1
            }
            k += 1
        }
    }

    /// Code-length symbols as `symbol | extraBits << 8`.
    private static func runLengthEncode(_ lengths: [UInt8]) -> [Int] {
        var result: [Int] = []
        var k = 0
        while k < lengths.count {
            let value = lengths[k]
            var run = 1
            while k + run < lengths.count && lengths[k + run] == value { run += 1 }
            k += run
            if value == 0 {
                while run >= 11 {
                    let n = min(run, 138)
                    result.append(18 | (n - 11) << 8)
                    run -= n
                }
                if run >= 3 {
                    result.append(17 | (run - 3) << 8)
                    run = 0
                }
            } else {
                result.append(Int(value))
                run -= 1
                while run >= 3 {
                    let n = min(run, 6)
                    result.append(16 | (n - 3) << 8)
                    run -= n
                }
            }
            for _ in 0..<run { result.append(Int(value)) }
        }
        return result
    }
}
