/// Compression codecs of Pulsar message payloads.
///
/// The payload of a Pulsar message whose `MessageMetadata.compression` is not `NONE`
/// is exactly the codec's output, with no extra framing; the decompressed size comes
/// from `MessageMetadata.uncompressed_size`:
/// - ``Codec/lz4``: a raw LZ4 *block* (not the LZ4 frame format);
/// - ``Codec/zlib``: a zlib stream (RFC 1950: header, DEFLATE data, Adler-32);
/// - ``Codec/zstd``: a Zstandard frame (RFC 8878);
/// - ``Codec/snappy``: a raw Snappy block (not the framing format).
public enum PayloadCompression {
    /// A compression codec, with the values of Pulsar's `CompressionType`.
    public enum Codec: Int32, Sendable, CaseIterable {
        /// No compression.
        case none = 0
        /// Raw LZ4 block format.
        case lz4 = 1
        /// zlib format (RFC 1950).
        case zlib = 2
        /// Zstandard frame format (RFC 8878).
        case zstd = 3
        /// Raw Snappy block format.
        case snappy = 4
    }

    /// The largest `uncompressedSize` that ``decompress(_:codec:uncompressedSize:)`` accepts (64 MiB).
    public static let maxUncompressedSize = 64 << 20

    /// Compresses `bytes` with `codec`.
    ///
    /// Throws ``WireError`` with ``WireError/Code/compressionLimitExceeded`` for inputs of 2 GiB or more.
    public static func compress(_ bytes: [UInt8], codec: Codec) throws -> [UInt8] {
        guard bytes.count < Int(Int32.max) else {
            throw WireError(.compressionLimitExceeded, "cannot compress \(bytes.count) bytes: the limit is 2 GiB")
        }
        switch codec {
        case .none:
            return bytes
        case .lz4:
            return bytes.withUnsafeBufferPointer { LZ4.compress($0) }
        case .snappy:
            return bytes.withUnsafeBufferPointer { Snappy.compress($0) }
        case .zlib:
            return bytes.withUnsafeBufferPointer { DeflateEncoder.zlibCompress($0) }
        case .zstd:
            return bytes.withUnsafeBufferPointer { ZstdEncoder.compress($0) }
        }
    }

    /// Decompresses `bytes`, which must expand to exactly `uncompressedSize` bytes.
    ///
    /// Throws ``WireError`` with ``WireError/Code/decompressionFailed`` for malformed input,
    /// ``WireError/Code/unsupportedCompression`` for a dictionary, ``WireError/Code/uncompressedSizeMismatch`` when
    /// the output size differs from `uncompressedSize`, and ``WireError/Code/compressionLimitExceeded`` when
    /// `uncompressedSize` exceeds ``maxUncompressedSize``. Never traps on malformed input.
    public static func decompress(
        _ bytes: some Collection<UInt8>, codec: Codec, uncompressedSize: Int
    ) throws -> [UInt8] {
        guard uncompressedSize >= 0 else {
            throw WireError(.uncompressedSizeMismatch, "negative uncompressed size \(uncompressedSize)")
        }
        guard uncompressedSize <= maxUncompressedSize else {
            throw WireError(
                .compressionLimitExceeded, "uncompressed size \(uncompressedSize) exceeds the limit of \(maxUncompressedSize)")
        }
        if codec == .none {
            guard bytes.count == uncompressedSize else {
                throw WireError.uncompressedSizeMismatch(expected: uncompressedSize, actual: bytes.count)
            }
            return Array(bytes)
        }
        if let result = try bytes.withContiguousStorageIfAvailable({
            try decode($0, codec: codec, size: uncompressedSize)
        }) {
            return result
        }
        return try Array(bytes).withUnsafeBufferPointer { try decode($0, codec: codec, size: uncompressedSize) }
    }

    private static func decode(_ src: UnsafeBufferPointer<UInt8>, codec: Codec, size: Int) throws -> [UInt8] {
        guard src.count > 0 else { throw WireError.corruptCompressedData("empty \(codec) input") }
        // Capacity of at least 1 so that the output buffer always has a base address.
        return try [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, initialized in
            let dst = UnsafeMutableBufferPointer(rebasing: buffer[0..<size])
            let written: Int
            switch codec {
            case .lz4: written = try LZ4.decompress(src, into: dst)
            case .snappy: written = try Snappy.decompress(src, into: dst)
            case .zlib: written = try Inflate.zlibDecompress(src, into: dst)
            case .zstd: written = try ZstdDecoder.decompress(src, into: dst)
            case .none: written = 0
            }
            guard written == size else { throw WireError.uncompressedSizeMismatch(expected: size, actual: written) }
            initialized = written
        }
    }
}

/// Thrown by the decoders when the stream would produce more than the expected output.
@inline(never)
func outputOverflow(_ capacity: Int, file: StaticString = #fileID, line: UInt = #line) -> WireError {
    WireError(.uncompressedSizeMismatch, "decompressed data exceeds the expected \(capacity) bytes", file: file, line: line)
}
