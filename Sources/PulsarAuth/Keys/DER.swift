/// ASN.1 tags used by the key formats.
public enum DERTag {
    /// INTEGER.
    public static let integer: UInt8 = 0x02
    /// BIT STRING.
    public static let bitString: UInt8 = 0x03
    /// OCTET STRING.
    public static let octetString: UInt8 = 0x04
    /// NULL.
    public static let null: UInt8 = 0x05
    /// OBJECT IDENTIFIER.
    public static let objectIdentifier: UInt8 = 0x06
    /// SEQUENCE (constructed).
    public static let sequence: UInt8 = 0x30

    /// A context-specific constructed tag `[number]`.
    public static func contextSpecific(_ number: UInt8) -> UInt8 { 0xA0 | number }
}

/// A minimal strict DER reader: definite, minimally encoded lengths; single-byte tags.
public struct DERReader: Sendable {
    private let bytes: [UInt8]
    private var position: Int
    private let end: Int

    /// Reads the elements of `bytes` from the beginning.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
        end = bytes.count
    }

    private init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    /// Whether every element has been read.
    public var isAtEnd: Bool { position >= end }

    /// The tag of the next element, if any.
    public var peekTag: UInt8? { position < end ? bytes[position] : nil }

    /// Throws unless every element has been read.
    public func expectEnd() throws(AuthError) {
        guard isAtEnd else {
            throw AuthError(.malformedKey, "DER: \(end - position) unexpected trailing bytes")
        }
    }

    /// Reads one element (tag and content bytes).
    public mutating func readElement() throws(AuthError) -> (tag: UInt8, content: ArraySlice<UInt8>) {
        let (tag, range) = try readHeader()
        return (tag, bytes[range])
    }

    private mutating func readHeader() throws(AuthError) -> (tag: UInt8, content: Range<Int>) {
        guard end - position >= 2 else {
            throw AuthError(.malformedKey, "DER: truncated element header")
        }
        let tag = bytes[position]
        guard tag & 0x1F != 0x1F else {
            throw AuthError(.malformedKey, "DER: multi-byte tags are not supported")
        }
        let first = bytes[position + 1]
        position += 2
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count >= 1, count <= 4, end - position >= count else {
                throw AuthError(.malformedKey, "DER: unsupported or indefinite length encoding")
            }
            guard bytes[position] != 0 else {
                throw AuthError(.malformedKey, "DER: length has leading zero bytes")
            }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[position])
                position += 1
            }
            guard length >= 0x80 else {
                throw AuthError(.malformedKey, "DER: short length encoded in long form")
            }
        }
        guard end - position >= length else {
            throw AuthError(.malformedKey, "DER: element length \(length) exceeds the remaining \(end - position) bytes")
        }
        let range = position..<(position + length)
        position += length
        return (tag, range)
    }

    /// Reads an element and checks its tag.
    public mutating func read(tag expected: UInt8) throws(AuthError) -> ArraySlice<UInt8> {
        let (tag, range) = try readHeader()
        guard tag == expected else {
            throw AuthError(.malformedKey, "DER: expected tag 0x\(String(expected, radix: 16)), found 0x\(String(tag, radix: 16))")
        }
        return bytes[range]
    }

    /// Reads a constructed element with `tag` and returns a reader over its contents.
    public mutating func readConstructed(tag expected: UInt8) throws(AuthError) -> DERReader {
        let (tag, range) = try readHeader()
        guard tag == expected else {
            throw AuthError(.malformedKey, "DER: expected tag 0x\(String(expected, radix: 16)), found 0x\(String(tag, radix: 16))")
        }
        return DERReader(bytes: bytes, range: range)
    }

    /// Reads a SEQUENCE and returns a reader over its contents.
    public mutating func readSequence() throws(AuthError) -> DERReader {
        try readConstructed(tag: DERTag.sequence)
    }

    /// Reads a minimally encoded non-negative INTEGER.
    public mutating func readUnsignedInteger() throws(AuthError) -> BigUInt {
        let content = try read(tag: DERTag.integer)
        guard let first = content.first else {
            throw AuthError(.malformedKey, "DER: empty INTEGER")
        }
        guard first & 0x80 == 0 else {
            throw AuthError(.malformedKey, "DER: negative INTEGER where a non-negative one is required")
        }
        if first == 0, content.count > 1, content[content.startIndex + 1] & 0x80 == 0 {
            throw AuthError(.malformedKey, "DER: INTEGER is not minimally encoded")
        }
        return BigUInt(bigEndianBytes: content)
    }

    /// Reads a small non-negative INTEGER (such as a version number).
    public mutating func readSmallInteger() throws(AuthError) -> Int {
        let value = try readUnsignedInteger()
        guard value.bitWidth <= 31 else {
            throw AuthError(.malformedKey, "DER: INTEGER too large for a version field")
        }
        return Int(value.low64)
    }

    /// Reads an OBJECT IDENTIFIER.
    public mutating func readObjectIdentifier() throws(AuthError) -> ASN1ObjectIdentifier {
        try ASN1ObjectIdentifier(derContent: read(tag: DERTag.objectIdentifier))
    }

    /// Reads a NULL.
    public mutating func readNull() throws(AuthError) {
        guard try read(tag: DERTag.null).isEmpty else {
            throw AuthError(.malformedKey, "DER: NULL with content")
        }
    }

    /// Reads an OCTET STRING.
    public mutating func readOctetString() throws(AuthError) -> [UInt8] {
        Array(try read(tag: DERTag.octetString))
    }

    /// Reads a BIT STRING with no unused bits and returns its bytes.
    public mutating func readBitString() throws(AuthError) -> [UInt8] {
        let content = try read(tag: DERTag.bitString)
        guard content.first == 0 else {
            throw AuthError(.malformedKey, "DER: BIT STRING with unused bits is not a key")
        }
        return Array(content.dropFirst())
    }
}

/// A minimal DER writer producing encoded elements as byte arrays.
public enum DERWriter {
    /// Encodes an element from its tag and content.
    public static func element(tag: UInt8, content: [UInt8]) -> [UInt8] {
        [tag] + lengthBytes(content.count) + content
    }

    private static func lengthBytes(_ length: Int) -> [UInt8] {
        if length < 0x80 { return [UInt8(length)] }
        var bytes = [UInt8]()
        var remaining = length
        while remaining > 0 {
            bytes.insert(UInt8(truncatingIfNeeded: remaining), at: 0)
            remaining >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    /// SEQUENCE of already-encoded elements.
    public static func sequence(_ elements: [[UInt8]]) -> [UInt8] {
        element(tag: DERTag.sequence, content: elements.flatMap { $0 })
    }

    /// Context-specific constructed `[number]` wrapping encoded elements.
    public static func contextSpecific(_ number: UInt8, _ elements: [[UInt8]]) -> [UInt8] {
        element(tag: DERTag.contextSpecific(number), content: elements.flatMap { $0 })
    }

    /// Non-negative INTEGER, minimally encoded.
    public static func integer(_ value: BigUInt) -> [UInt8] {
        var content = value.bigEndianBytes()
        if content.isEmpty || content[0] & 0x80 != 0 {
            content.insert(0, at: 0)
        }
        return element(tag: DERTag.integer, content: content)
    }

    /// OBJECT IDENTIFIER.
    public static func objectIdentifier(_ oid: ASN1ObjectIdentifier) -> [UInt8] {
        element(tag: DERTag.objectIdentifier, content: oid.derContent)
    }

    /// NULL.
    public static func null() -> [UInt8] {
        [DERTag.null, 0x00]
    }

    /// OCTET STRING.
    public static func octetString(_ bytes: [UInt8]) -> [UInt8] {
        element(tag: DERTag.octetString, content: bytes)
    }

    /// BIT STRING with no unused bits.
    public static func bitString(_ bytes: [UInt8]) -> [UInt8] {
        element(tag: DERTag.bitString, content: [0] + bytes)
    }
}
