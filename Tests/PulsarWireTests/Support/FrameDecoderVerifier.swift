import PulsarSupport
import PulsarWire

/// Feeds the same bytes to a ``FrameDecoder`` in different splits and collects the frames, in the manner of
/// SwiftNIO's `ByteToMessageDecoderVerifier`: the output must not depend on how the input was cut.
enum FrameDecoderVerifier {
    /// Decodes `bytes` handed over in one piece.
    static func whole(_ bytes: [UInt8], decoder: FrameDecoder = FrameDecoder()) throws -> [Frame] {
        try feed([bytes], decoder: decoder)
    }

    /// Decodes `bytes` handed over one byte at a time, draining after every byte.
    static func byteAtATime(_ bytes: [UInt8], decoder: FrameDecoder = FrameDecoder()) throws -> [Frame] {
        try feed(bytes.map { [$0] }, decoder: decoder)
    }

    /// Decodes `bytes` cut into chunks of pseudo-random sizes drawn from `seed`.
    static func randomChunks(_ bytes: [UInt8], seed: UInt64, decoder: FrameDecoder = FrameDecoder()) throws -> [Frame] {
        var generator = SeededRandom(seed: seed)
        var chunks: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let size = Int(generator.next() % 97) + 1
            chunks.append(Array(bytes[index..<min(bytes.count, index + size)]))
            index += size
        }
        return try feed(chunks, decoder: decoder)
    }

    /// Decodes the chunks in order and checks nothing is left over.
    static func feed(_ chunks: [[UInt8]], decoder: FrameDecoder) throws -> [Frame] {
        var decoder = decoder
        var frames: [Frame] = []
        for chunk in chunks {
            decoder.append(chunk)
            while let frame = try decoder.next() { frames.append(frame) }
        }
        if decoder.bufferedByteCount != 0 { throw LeftoverBytes(count: decoder.bufferedByteCount) }
        return frames
    }

    struct LeftoverBytes: Error { var count: Int }
}

