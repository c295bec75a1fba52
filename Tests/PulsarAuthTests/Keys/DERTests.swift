import Testing
import PulsarAuth

@Suite(.timeLimit(.minutes(2))) struct DERTests {
    @Test func objectIdentifiers() throws {
        #expect(hexString(ASN1ObjectIdentifier.rsaEncryption.derContent) == "2a864886f70d010101")
        #expect(hexString(ASN1ObjectIdentifier.ecPublicKey.derContent) == "2a8648ce3d0201")
        #expect(hexString(ASN1ObjectIdentifier.prime256v1.derContent) == "2a8648ce3d030107")
        #expect(try ASN1ObjectIdentifier(derContent: hex("2a864886f70d010101")) == .rsaEncryption)
        #expect(ASN1ObjectIdentifier.prime256v1.description == "1.2.840.10045.3.1.7")
        #expect(authErrorCode { try ASN1ObjectIdentifier(derContent: hex("2a86")) } == .malformedKey)     // truncated arc
        #expect(authErrorCode { try ASN1ObjectIdentifier(derContent: hex("2a8001")) } == .malformedKey)   // non-minimal arc
    }

    @Test func integersAndLengths() throws {
        #expect(DERWriter.integer(BigUInt()) == [0x02, 0x01, 0x00])
        #expect(DERWriter.integer(BigUInt(0x80)) == [0x02, 0x02, 0x00, 0x80])
        #expect(DERWriter.integer(BigUInt(0x7F)) == [0x02, 0x01, 0x7F])
        let long = DERWriter.octetString([UInt8](repeating: 7, count: 300))
        #expect(Array(long.prefix(4)) == [0x04, 0x82, 0x01, 0x2C])
        var reader = DERReader(long)
        #expect(try reader.readOctetString().count == 300)
        #expect(reader.isAtEnd)
        var integers = DERReader(DERWriter.integer(BigUInt(0x80)) + DERWriter.integer(BigUInt(5)))
        #expect(try integers.readUnsignedInteger() == BigUInt(0x80))
        #expect(try integers.readSmallInteger() == 5)
    }

    @Test func strictnessRejections() {
        func code(_ bytes: [UInt8], _ read: (inout DERReader) throws -> Void) -> AuthError.Code? {
            var reader = DERReader(bytes)
            return authErrorCode { try read(&reader) }
        }
        #expect(code([0x02, 0x02, 0x00, 0x01]) { _ = try $0.readUnsignedInteger() } == .malformedKey)      // non-minimal INTEGER
        #expect(code([0x02, 0x01, 0x80]) { _ = try $0.readUnsignedInteger() } == .malformedKey)            // negative
        #expect(code([0x02, 0x00]) { _ = try $0.readUnsignedInteger() } == .malformedKey)                  // empty
        #expect(code([0x04, 0x81, 0x05, 1, 2, 3, 4, 5]) { _ = try $0.readOctetString() } == .malformedKey)  // long form for short length
        #expect(code([0x04, 0x80, 0x00, 0x00]) { _ = try $0.readOctetString() } == .malformedKey)      // indefinite length
        #expect(code([0x04, 0x05, 1, 2]) { _ = try $0.readOctetString() } == .malformedKey)            // overrun
        #expect(code([0x30, 0x00, 0x00]) { _ = try $0.readSequence(); try $0.expectEnd() } == .malformedKey)  // trailing byte
        #expect(code([0x03, 0x02, 0x01, 0xFF]) { _ = try $0.readBitString() } == .malformedKey)        // unused bits
        #expect(code([0x05, 0x01, 0x00]) { try $0.readNull() } == .malformedKey)
        #expect(code([0x04, 0x00]) { _ = try $0.readSequence() } == .malformedKey)                     // wrong tag
    }
}

@Suite(.timeLimit(.minutes(2))) struct PEMTests {
    static let rfc7515PublicPEM = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7
        6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==
        -----END PUBLIC KEY-----
        """
    static let rfc7515PrivateSEC1PEM = """
        -----BEGIN EC PRIVATE KEY-----
        MCUCAQEEII6bEJ5xkJi/mASH3x9dd+nLKWBuvtImO19XwhPfhPSy
        -----END EC PRIVATE KEY-----
        """

    /// RFC 7515 A.3's key in PEM: a SEC 1 private key without optional fields, and its SPKI.
    @Test func rfc7515ECKeysFromPEM() throws {
        let publicKey = try P256PublicKey(pem: Self.rfc7515PublicPEM)
        #expect(Base64URL.encode(publicKey.xBytes) == "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU")
        #expect(Base64URL.encode(publicKey.yBytes) == "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")
        let privateKey = try P256PrivateKey(pem: Self.rfc7515PrivateSEC1PEM)
        #expect(privateKey.publicKey == publicKey)
        #expect(publicKey.pemRepresentation == Self.rfc7515PublicPEM + "\n")
        #expect(try AsymmetricPrivateKey(derOrPEM: Array(Self.rfc7515PrivateSEC1PEM.utf8)) == .ecP256(privateKey))
    }

    @Test func parsingRules() throws {
        let documents = try PEMDocument.parseAll("junk\n" + Self.rfc7515PublicPEM + "\r\nmore\n" + Self.rfc7515PrivateSEC1PEM)
        #expect(documents.map(\.label) == ["PUBLIC KEY", "EC PRIVATE KEY"])
        #expect(PEMDocument.isPEM(Array(Self.rfc7515PublicPEM.utf8)))
        #expect(!PEMDocument.isPEM([0x30, 0x82, 0x01]))
        #expect(authErrorCode { try PEMDocument(pemString: "no pem here") } == .malformedKey)
        #expect(authErrorCode { try PEMDocument(pemString: "-----BEGIN PUBLIC KEY-----\nAAAA\n") } == .malformedKey)
        #expect(authErrorCode { try PEMDocument(pemString: "-----BEGIN A-----\nAAAA\n-----END B-----\n") } == .malformedKey)
        #expect(authErrorCode {
            try PEMDocument(pemString: "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----\n")
        } == .malformedKey)
        #expect(authErrorCode { try RSAPublicKey(pem: Self.rfc7515PublicPEM) } == .malformedKey)   // EC key where RSA expected
        let long = PEMDocument(label: "X", derBytes: [UInt8](repeating: 1, count: 100)).pemString
        #expect(long.split(separator: "\n").map(\.count) == [17, 64, 64, 8, 15])
    }
}
