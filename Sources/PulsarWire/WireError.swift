/// An error of PulsarWire: wire data that cannot be decoded (or, rarely, encoded), a payload that cannot be
/// compressed or decompressed, or a topic name the broker would refuse.
///
/// `code` says what kind of problem it is and stays stable across releases (new codes may be added);
/// `message` explains it for a human. For ``Code/checksumMismatch`` the decoder keeps its place in the
/// stream and hands back the frame it read, so a broker can answer `SEND_ERROR(ChecksumError)`.
public struct WireError: Error, CustomStringConvertible, Sendable {
    /// The kind of wire error. Extensible: switch with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case truncated, malformedVarint, missingRequiredField, invalidLength
            case frameTooLarge, invalidFrameSize, badMagic, checksumMismatch, missingCommand
            case malformedBatch, unsupportedCompression, decompressionFailed, uncompressedSizeMismatch
            case compressionLimitExceeded, invalidTopicName
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The input ended inside a value.
        public static let truncated = Code(.truncated)
        /// A varint longer than 10 bytes.
        public static let malformedVarint = Code(.malformedVarint)
        /// A proto2 `required` field was absent.
        public static let missingRequiredField = Code(.missingRequiredField)
        /// A length prefix points past the end of its enclosing data.
        public static let invalidLength = Code(.invalidLength)
        /// A frame larger than the negotiated maximum (plus padding).
        public static let frameTooLarge = Code(.frameTooLarge)
        /// Frame header sizes that contradict each other.
        public static let invalidFrameSize = Code(.invalidFrameSize)
        /// A payload section that does not start with a known magic number.
        public static let badMagic = Code(.badMagic)
        /// The CRC32C of metadata and payload does not match the frame's checksum.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// A BaseCommand whose sub-command is absent.
        public static let missingCommand = Code(.missingCommand)
        /// A batch payload that does not hold the announced messages.
        public static let malformedBatch = Code(.malformedBatch)
        /// A compression codec this build does not implement, or a feature of its format it does not (a zstd or
        /// zlib dictionary).
        public static let unsupportedCompression = Code(.unsupportedCompression)
        /// Compressed data that is malformed, truncated or fails its checksum.
        public static let decompressionFailed = Code(.decompressionFailed)
        /// Data that decompresses to a size other than the announced uncompressed size (or announces a negative one).
        public static let uncompressedSizeMismatch = Code(.uncompressedSizeMismatch)
        /// A size limit of compression is exceeded: the announced uncompressed size is above
        /// ``PayloadCompression/maxUncompressedSize``, or an input to compress is 2 GiB or more.
        public static let compressionLimitExceeded = Code(.compressionLimitExceeded)
        /// A topic name the broker would refuse (see ``TopicName``); the broker answers `InvalidTopicName`.
        public static let invalidTopicName = Code(.invalidTopicName)

        /// The code's name, e.g. `checksumMismatch`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation naming the message, field or sizes involved.
    public var message: String
    /// For ``Code/checksumMismatch``: the frame whose checksum failed (command and payload as received).
    public var frame: Frame?
    /// Where the error was raised, for debugging.
    public var location: String

    /// Creates an error; `file` and `line` default to the caller's position.
    public init(_ code: Code, _ message: String, frame: Frame? = nil, file: StaticString = #fileID, line: UInt = #line) {
        self.code = code
        self.message = message
        self.frame = frame
        self.location = "\(file):\(line)"
    }

    /// `WireError(code): message`.
    public var description: String { "WireError(\(code)): \(message)" }

    /// Malformed compressed input.
    static func corruptCompressedData(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> WireError {
        WireError(.decompressionFailed, message, file: file, line: line)
    }

    /// Decompressed output of `actual` bytes where `expected` were announced.
    static func uncompressedSizeMismatch(expected: Int, actual: Int, file: StaticString = #fileID, line: UInt = #line) -> WireError {
        WireError(.uncompressedSizeMismatch, "expected \(expected) uncompressed bytes, got \(actual)", file: file, line: line)
    }

    /// A refused topic name: `Invalid topic name 'name': reason`.
    package static func invalidTopicName(_ name: String, _ reason: String, file: StaticString = #fileID,
                                         line: UInt = #line) -> WireError {
        WireError(.invalidTopicName, "Invalid topic name '\(name)': \(reason)", file: file, line: line)
    }
}
