import Testing
import PulsarAuth
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The committed key files written by PyJWT/cryptography (see Fixtures/jwt/README.md).
@Suite(.timeLimit(.minutes(2))) struct KeyFixtureTests {
    @Test func rsaKeysParseAndReencodeExactly() throws {
        let privateDER = try Fixtures.bytes("rsa-private.der")
        let publicDER = try Fixtures.bytes("rsa-public.der")
        let privateKey = try RSAPrivateKey(pkcs8DER: privateDER)
        let publicKey = try RSAPublicKey(spkiDER: publicDER)
        #expect(privateKey.publicKey == publicKey)
        #expect(publicKey.modulusBits == 2048)
        #expect(privateKey.pkcs8DER == privateDER)
        #expect(publicKey.spkiDER == publicDER)
        #expect(try RSAPrivateKey(pkcs1DER: privateKey.pkcs1DER) == privateKey)
        #expect(try RSAPublicKey(pkcs1DER: publicKey.pkcs1DER) == publicKey)
        #expect(privateKey.pemRepresentation == (try Fixtures.text("rsa-private.pem")))
        #expect(publicKey.pemRepresentation == (try Fixtures.text("rsa-public.pem")))
        #expect(try RSAPrivateKey(pem: Fixtures.text("rsa-private.pem")) == privateKey)
        #expect(try RSAPublicKey(pem: Fixtures.text("rsa-public.pem")) == publicKey)
        let pkcs1PEM = PEMDocument(label: "RSA PRIVATE KEY", derBytes: privateKey.pkcs1DER).pemString
        #expect(try AsymmetricPrivateKey(derOrPEM: Array(pkcs1PEM.utf8)) == .rsa(privateKey))
    }

    @Test func ecKeysParseAndReencodeExactly() throws {
        let privateDER = try Fixtures.bytes("ec-private.der")
        let publicDER = try Fixtures.bytes("ec-public.der")
        let privateKey = try P256PrivateKey(pkcs8DER: privateDER)
        let publicKey = try P256PublicKey(spkiDER: publicDER)
        #expect(privateKey.publicKey == publicKey)
        #expect(privateKey.pkcs8DER() == privateDER)           // OpenSSL layout, with the public point
        #expect(publicKey.spkiDER == publicDER)
        #expect(privateKey.pemRepresentation == (try Fixtures.text("ec-private.pem")))
        #expect(publicKey.pemRepresentation == (try Fixtures.text("ec-public.pem")))
        #expect(try P256PrivateKey(pem: Fixtures.text("ec-private.pem")) == privateKey)
    }

    /// Java's `PrivateKey.getEncoded()` (what `pulsar tokens create-key-pair` writes)
    /// omits the public point inside PKCS #8; both layouts must parse.
    @Test func javaStyleECPKCS8() throws {
        let key = try P256PrivateKey(pkcs8DER: Fixtures.bytes("ec-private.der"))
        let javaStyle = key.pkcs8DER(includePublicKey: false)
        #expect(javaStyle.count == 67)
        #expect(hexString(Array(javaStyle.prefix(35))) == "3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420")
        #expect(try P256PrivateKey(pkcs8DER: javaStyle) == key)
        let sec1WithEverything = key.sec1DER(includeParameters: true, includePublicKey: true)
        #expect(try P256PrivateKey(sec1DER: sec1WithEverything) == key)
    }

    @Test func genericDecodingPicksTheKeyType() throws {
        for name in ["rsa-public.der", "rsa-public.pem"] {
            guard case .rsa = try AsymmetricPublicKey(derOrPEM: Fixtures.bytes(name)) else {
                Issue.record("\(name) did not decode as RSA")
                continue
            }
        }
        for name in ["ec-public.der", "ec-public.pem"] {
            guard case .ecP256 = try AsymmetricPublicKey(derOrPEM: Fixtures.bytes(name)) else {
                Issue.record("\(name) did not decode as EC")
                continue
            }
        }
        let rsa = try AsymmetricPrivateKey(derOrPEM: Fixtures.bytes("rsa-private.der"))
        let ec = try AsymmetricPrivateKey(derOrPEM: Fixtures.bytes("ec-private.pem"))
        #expect(rsa.publicKey.spkiDER == (try Fixtures.bytes("rsa-public.der")))
        #expect(ec.publicKey.spkiDER == (try Fixtures.bytes("ec-public.der")))
        #expect(authErrorCode { try AsymmetricPublicKey(derOrPEM: Fixtures.bytes("rsa-private.der")) } == .malformedKey)
        #expect(authErrorCode { try AsymmetricPrivateKey(derOrPEM: Fixtures.bytes("ec-public.der")) } == .malformedKey)
        // An SPKI naming a curve other than P-256 (P-384, 1.3.132.0.34) is refused with its OID.
        let p384 = DERWriter.sequence([
            DERWriter.sequence([DERWriter.objectIdentifier(.ecPublicKey), DERWriter.objectIdentifier(ASN1ObjectIdentifier(1, 3, 132, 0, 34))]),
            DERWriter.bitString([0x04] + [UInt8](repeating: 1, count: 96)),
        ])
        do {
            _ = try AsymmetricPublicKey(spkiDER: p384)
            Issue.record("P-384 key accepted")
        } catch {
            #expect(error.code == .malformedKey)
            #expect(error.message.contains("1.3.132.0.34"))
        }
    }

    @Test func generatedKeysRoundTripThroughDERAndPEM() throws {
        let rsa = AsymmetricPrivateKey.rsa(SharedKeys.rsa2048)
        let ec = AsymmetricPrivateKey.ecP256(SharedKeys.p256)
        for key in [rsa, ec] {
            #expect(try AsymmetricPrivateKey(derOrPEM: key.pkcs8DER) == key)
            #expect(try AsymmetricPrivateKey(derOrPEM: Array(key.pemRepresentation.utf8)) == key)
            #expect(try AsymmetricPublicKey(derOrPEM: key.publicKey.spkiDER) == key.publicKey)
            #expect(try AsymmetricPublicKey(derOrPEM: Array(key.publicKey.pemRepresentation.utf8)) == key.publicKey)
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct SecretKeyAndSourceTests {
    @Test func secretKeyFileFormats() throws {
        let raw = try Fixtures.bytes("hs256-secret.key")
        let base64Text = try Fixtures.bytes("hs256-secret.key.b64")
        #expect(raw.count == 32)
        #expect(try SecretKeyCodec.decode(fileContents: raw) == raw)
        #expect(try SecretKeyCodec.decode(fileContents: base64Text, encoding: .base64) == raw)
        #expect(try SecretKeyCodec.decode(fileContents: base64Text + [0x0A], encoding: .automatic) == raw)
        #expect(try SecretKeyCodec.decode(fileContents: raw, encoding: .automatic) == raw)
        #expect(SecretKeyCodec.encode(raw, base64: true) == base64Text)
        #expect(SecretKeyCodec.encode(raw, base64: false) == raw)
        #expect(authErrorCode { try SecretKeyCodec.decode(fileContents: []) } == .invalidKey)
        #expect(authErrorCode { try SecretKeyCodec.decode(fileContents: Array("$$$".utf8), encoding: .base64) } == .invalidEncoding)
        #expect(SecretKeyCodec.generate().count == 32)
        #expect(SecretKeyCodec.generate(byteCount: 64).count == 64)
    }

    @Test func brokerSettingForms() throws {
        let raw = try Fixtures.bytes("hs256-secret.key")
        let base64 = Base64.encode(raw)
        let path = Fixtures.directory + "/hs256-secret.key"
        #expect(try KeySource.loadKey(configValue: "data:;base64," + base64) == raw)
        #expect(try KeySource.loadKey(configValue: "data:application/octet-stream;base64," + base64) == raw)
        #expect(try KeySource.loadKey(configValue: "data:,hello%20world") == Array("hello world".utf8))
        #expect(try KeySource.loadKey(configValue: "file://" + path) == raw)
        #expect(try KeySource.loadKey(configValue: "file:" + path) == raw)
        #expect(try KeySource.loadKey(configValue: "file://localhost" + path) == raw)
        #expect(try KeySource.loadKey(configValue: path) == raw)
        #expect(try KeySource.loadKey(configValue: base64) == raw)
        #expect(try KeySource(configValue: "file:///a%20b/key") == .file(path: "/a b/key"))
        #expect(authErrorCode { try KeySource(configValue: "file://remote.example/key") } == .invalidConfiguration)
        #expect(authErrorCode { try KeySource(configValue: "data:;base64") } == .invalidConfiguration)
        #expect(authErrorCode { try KeySource.loadKey(configValue: "file:///nonexistent/pulsar/key") } == .keyFileUnreadable)
        #expect(authErrorCode { try KeySource.loadKey(configValue: "/nonexistent/$$$") } == .keyFileUnreadable)
        #expect(authErrorCode { try KeySource(configValue: "  ") } == .invalidConfiguration)
    }

    @Test func writeAndReadBack() throws {
        let path = "/tmp/pulsarauth-keyfile-test-\(UInt64.random(in: 0...UInt64.max)).der"
        defer { unlink(path) }
        let bytes = SharedKeys.p256.pkcs8DER()
        try KeyFileIO.write(bytes, toPath: path, privateFile: true)
        #expect(try KeyFileIO.read(path: path) == bytes)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        try KeyFileIO.write([1, 2, 3], toPath: path, privateFile: true)
        #expect(try KeyFileIO.read(path: path) == [1, 2, 3])
        #expect(authErrorCode { try KeyFileIO.write([1], toPath: "/nonexistent-dir/x", privateFile: false) } == .keyFileUnreadable)
    }
}
