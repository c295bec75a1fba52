/// An error thrown by a compression codec.
public struct CompressionError: Error, CustomStringConvertible, Sendable {
    /// The category of a ``CompressionError``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unsupportedCodec, corruptInput, sizeMismatch, outputTooLarge
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The codec (or a feature of its format, such as a zstd dictionary) is not supported.
        public static let unsupportedCodec = Code(.unsupportedCodec)
        /// The compressed input is malformed, truncated or fails its checksum.
        public static let corruptInput = Code(.corruptInput)
        /// The decompressed size differs from the expected uncompressed size.
        public static let sizeMismatch = Code(.sizeMismatch)
        /// A size limit is exceeded: the expected uncompressed size is above
        /// ``PayloadCompression/maxUncompressedSize``, or an input to compress is 2 GiB or more.
        public static let outputTooLarge = Code(.outputTooLarge)

        /// The name of the code.
        public var description: String {
            switch base {
            case .unsupportedCodec: "unsupportedCodec"
            case .corruptInput: "corruptInput"
            case .sizeMismatch: "sizeMismatch"
            case .outputTooLarge: "outputTooLarge"
            }
        }
    }

    /// The category of the error.
    public var code: Code
    /// A human-readable explanation.
    public var message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(code): \(message)" }

    static func corrupt(_ message: String) -> CompressionError { CompressionError(.corruptInput, message) }
    static func mismatch(expected: Int, actual: Int) -> CompressionError {
        CompressionError(.sizeMismatch, "expected \(expected) uncompressed bytes, got \(actual)")
    }
}
