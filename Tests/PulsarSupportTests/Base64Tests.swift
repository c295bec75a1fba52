import Testing
import PulsarSupport

@Suite(.timeLimit(.minutes(2))) struct Base64Tests {
    /// RFC 4648 §10 test vectors.
    static let rfc4648: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test func standardVectors() throws {
        for (plain, encoded) in Self.rfc4648 {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(try Base64.decode(encoded) == Array(plain.utf8))
        }
    }

    @Test func urlVectorsWithoutPadding() throws {
        for (plain, encoded) in Self.rfc4648 {
            let unpadded = String(encoded.filter { $0 != "=" })
            #expect(Base64URL.encode(Array(plain.utf8)) == unpadded)
            #expect(try Base64URL.decode(unpadded) == Array(plain.utf8))
        }
        // Bytes that use the URL-specific symbols.
        #expect(Base64URL.encode([0xfb, 0xff, 0xbf]) == "-_-_")
        #expect(Base64.encode([0xfb, 0xff, 0xbf]) == "+/+/")
        #expect(try Base64URL.decode("-_-_") == [0xfb, 0xff, 0xbf])
    }

    @Test func base64URLIsStrict() {
        #expect(formatErrorCode { try Base64URL.decode("Zg==") } == .invalidBase64)   // padding
        #expect(formatErrorCode { try Base64URL.decode("+/+/") } == .invalidBase64)   // standard alphabet
        #expect(formatErrorCode { try Base64URL.decode("Zm 9v") } == .invalidBase64)  // whitespace
        #expect(formatErrorCode { try Base64URL.decode("Zm9vY") } == .invalidBase64)  // impossible length
        #expect(formatErrorCode { try Base64URL.decode("Zh") } == .invalidBase64)     // non-zero trailing bits
        #expect(formatErrorCode { try Base64URL.decode("Zm9v\u{e9}") } == .invalidBase64)
    }

    @Test func base64IsLenientWhereKeyFilesNeedIt() throws {
        #expect(try Base64.decode("Zm9v\nYmFy\r\n") == Array("foobar".utf8))
        #expect(try Base64.decode("Zm9vYg") == Array("foob".utf8))        // missing padding
        #expect(try Base64.decode("-_-_") == [0xfb, 0xff, 0xbf])          // URL-safe alphabet
        #expect(formatErrorCode { try Base64.decode("Zg==Zg") } == .invalidBase64)
        #expect(formatErrorCode { try Base64.decode("Zm9v!") } == .invalidBase64)
        #expect(formatErrorCode { try Base64.decode("+/-_") } == .invalidBase64)   // mixed alphabets
        #expect(formatErrorCode { try Base64.decode("Zg=") } == .invalidBase64)    // wrong padding
        #expect(!Base64.isBase64("not base64!"))
        #expect(Base64.isBase64("Zm9v"))
    }

    @Test func roundTripsAllLengths() throws {
        var generator = SeededRandom(seed: 4648)
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(try Base64URL.decode(Base64URL.encode(bytes)) == bytes)
            #expect(try Base64.decode(Base64.encode(bytes)) == bytes)
        }
    }
}
