// What the PulsarWire fuzz targets do with one input. This file is compiled twice: into the test target (the
// regression replay in FuzzRegressionTests) and, by `scripts/fuzz`, together with PulsarWire's sources into one
// libFuzzer binary, where there is no module to import.
#if canImport(PulsarWire)
@testable import PulsarWire
#endif

/// One input of each PulsarWire fuzz target. Each must return for any input: a trap, an overflow or an
/// address-sanitizer report is a finding, and so is a broken property, which the body returns as a description
/// (nil when every property holds).
enum WireFuzz {
    /// `frame`: the incremental frame decoder over the whole input, then byte-wise splits of it, every decoded
    /// command re-encoded and decoded again (it must come back equal), entry metadata decoded.
    static func frame(_ bytes: [UInt8]) -> String? {
        let whole = decodeAll(bytes, chunk: bytes.count)
        let split = decodeAll(bytes, chunk: 7)
        if whole != split { return "splitting the input changed what decodes: \(whole) vs \(split)" }
        for frame in whole {
            let again = try? Command(serializedBytes: frame.command.serializedBytes())
            if again != frame.command { return "\(frame.command) did not survive a round trip: \(String(describing: again))" }
            if let entry = frame.entry, let metadata = try? entry.metadata(), metadata.hasNumMessagesInBatch {
                _ = try? BatchCodec.decode(entry.payload, count: Int(min(metadata.numMessagesInBatch, 10_000)))
            }
        }
        return nil
    }

    /// `metadata`: the input as a MessageMetadata (re-encoded and decoded again when valid), and as a batch payload
    /// whose message count is the first byte.
    static func metadata(_ bytes: [UInt8]) -> String? {
        if let metadata = try? MessageMetadata(serializedBytes: bytes) {
            let again = try? MessageMetadata(serializedBytes: metadata.serializedBytes())
            if again != metadata { return "\(metadata) did not survive a round trip: \(String(describing: again))" }
        }
        guard let count = bytes.first else { return nil }
        _ = try? BatchCodec.decode(bytes.dropFirst(), count: Int(count))
        return nil
    }

    /// `lz4`, `zlib`, `snappy`, `zstd`: the first three bytes are the announced uncompressed size (at most 16 MiB),
    /// the rest the compressed data. A successful decompression must have exactly that size.
    static func decompress(_ bytes: [UInt8], codec: PayloadCompression.Codec) -> String? {
        guard bytes.count >= 3 else { return nil }
        let size = Int(bytes[0]) << 16 | Int(bytes[1]) << 8 | Int(bytes[2])
        if let output = try? PayloadCompression.decompress(bytes.dropFirst(3), codec: codec, uncompressedSize: size),
           output.count != size {
            return "\(codec) decompressed to \(output.count) bytes, not the announced \(size)"
        }
        return nil
    }

    private static func decodeAll(_ bytes: [UInt8], chunk: Int) -> [Frame] {
        var decoder = FrameDecoder(maxMessageSize: 1 << 20)
        var frames: [Frame] = []
        var offset = 0
        while offset < bytes.count || offset == 0 {
            let end = min(bytes.count, offset + max(1, chunk))
            decoder.append(Array(bytes[offset..<end]))
            offset = end
            while true {
                do {
                    guard let frame = try decoder.next() else { break }
                    frames.append(frame)
                } catch let error as WireError where error.code == .checksumMismatch && error.frame != nil {
                    frames.append(error.frame!)
                } catch {
                    return frames
                }
            }
            if bytes.isEmpty { break }
        }
        return frames
    }
}
