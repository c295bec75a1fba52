import Testing
import PulsarAuth

/// Every token in Fixtures/jwt/tokens.json (made by PyJWT) must validate with the
/// manifest's expected outcome.
@Suite(.timeLimit(.minutes(2))) struct FixtureTokenTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let entry: JSONObject
        var testDescription: String { name }
    }

    static let manifest: JSONObject = {
        guard let bytes = try? Fixtures.bytes("tokens.json"),
              let value = try? JSONValue(parsing: bytes), let object = value.objectValue else {
            fatalError("Fixtures/jwt/tokens.json is missing or invalid")
        }
        return object
    }()

    static let cases: [Case] = (manifest["tokens"]?.arrayValue ?? []).compactMap { value in
        guard let entry = value.objectValue, let name = entry["name"]?.stringValue else { return nil }
        return Case(name: name, entry: entry)
    }

    static func key(_ file: String, publicAlgorithm: JWTAlgorithm) throws -> JWTVerificationKey {
        if file.hasSuffix(".key") {
            return .secret(try SecretKeyCodec.decode(fileContents: Fixtures.bytes(file), encoding: .raw))
        }
        if file.hasSuffix(".key.b64") {
            return .secret(try SecretKeyCodec.decode(fileContents: Fixtures.bytes(file), encoding: .base64))
        }
        return try JWTVerificationKey.publicKey(derOrPEM: Fixtures.bytes(file), algorithm: publicAlgorithm)
    }

    @Test func manifestIsComplete() {
        #expect(Self.cases.count >= 30)
        let expectations = Set(Self.cases.compactMap { $0.entry["expect"]?.stringValue })
        for needed in ["valid", "expired", "notYetValid", "invalidSignature", "unsupportedAlgorithm", "algorithmMismatch",
                       "audienceMismatch", "missingRoleClaim", "malformedToken", "invalidKey"] {
            #expect(expectations.contains(needed), "no fixture expects \(needed)")
        }
    }

    @Test(arguments: cases)
    func fixture(_ testCase: Case) throws {
        let entry = testCase.entry
        let token = try #require(entry["token"]?.stringValue)
        let keyFile = try #require(entry["key"]?.stringValue)
        let expect = try #require(entry["expect"]?.stringValue)
        let now = UInt64(try #require(Self.manifest["now"]?.integerValue))
        let publicAlgorithm = JWTAlgorithm(name: entry["publicAlgorithm"]?.stringValue ?? "RS256")
        let key = try Self.key(keyFile, publicAlgorithm: publicAlgorithm)
        let validator = try TokenValidator(
            key: key, roleClaim: entry["roleClaim"]?.stringValue ?? "sub",
            audienceClaim: entry["audienceClaim"]?.stringValue, audience: entry["audience"]?.stringValue
        )
        do {
            let result = try validator.validate(token, now: now)
            #expect(expect == "valid", "accepted a token expected to fail with \(expect)")
            #expect(result.role == entry["expectedRole"]?.stringValue)
            #expect(result.expiresAt.map { Int64($0) } == entry["expectedExpiresAt"]?.integerValue)
        } catch {
            #expect(error.code.description == expect, "\(error)")
        }
    }
}
