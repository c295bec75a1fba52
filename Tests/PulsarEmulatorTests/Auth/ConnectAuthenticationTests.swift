import PulsarAuth
import PulsarWire
import Testing
@testable import PulsarEmulator

@Suite("Broker: token authentication on CONNECT", .timeLimit(.minutes(1)))
struct ConnectAuthenticationTests {
    struct FixtureCase: Sendable, CustomTestStringConvertible {
        let name: String
        let entry: JSONObject
        var testDescription: String { name }
    }

    static let fixtureCases: [FixtureCase] = (JWTFixtures.manifest["tokens"]?.arrayValue ?? []).compactMap { value in
        guard let entry = value.objectValue, let name = entry["name"]?.stringValue else { return nil }
        return FixtureCase(name: name, entry: entry)
    }

    /// The broker setting for a fixture key file, in the value forms the broker reads.
    static func authentication(for entry: JSONObject) throws -> EmulatorAuthentication {
        let file = try #require(entry["key"]?.stringValue)
        var authentication: EmulatorAuthentication
        if file.hasSuffix(".key") {
            authentication = try .fromSettings(tokenSecretKey: "file://" + JWTFixtures.path(file))
        } else if file.hasSuffix(".key.b64") {
            let base64 = String(decoding: JWTFixtures.bytes(file), as: UTF8.self)
            authentication = try .fromSettings(tokenSecretKey: "data:;base64," + base64)
        } else {
            authentication = try .fromSettings(tokenPublicKey: JWTFixtures.path(file),
                                               tokenPublicAlg: entry["publicAlgorithm"]?.stringValue)
        }
        authentication.roleClaim = entry["roleClaim"]?.stringValue ?? "sub"
        authentication.audienceClaim = entry["audienceClaim"]?.stringValue
        authentication.audience = entry["audience"]?.stringValue
        authentication.authorizationEnabled = false
        return authentication
    }

    @Test("every PyJWT fixture token is accepted or refused as its manifest says", arguments: fixtureCases)
    func fixture(_ testCase: FixtureCase) throws {
        let entry = testCase.entry
        var broker = BrokerHarness(authentication: try Self.authentication(for: entry))
        let (id, frames) = broker.connect(token: try #require(entry["token"]?.stringValue))
        let expect = try #require(entry["expect"]?.stringValue)
        if expect == "valid" {
            #expect(frames.first?.command.isConnected == true, "\(frames)")
            #expect(broker.state.connections[id]?.role == entry["expectedRole"]?.stringValue)
            #expect(broker.closed[id] == nil)
        } else {
            let error = try #require(frames.first?.command.errorCommand, "expected ERROR, got \(frames)")
            #expect(error.requestId == UInt64.max)
            #expect(error.error == .authenticationError)
            #expect(error.message.hasPrefix("Unable to authenticate (\(expect)):"), "\(error.message)")
            #expect(frames.count == 1)
            guard case .authentication? = broker.closed[id] else { Issue.record("not closed: \(broker.closed)"); return }
        }
    }

    @Test("a refused connection is closed and serves nothing more")
    func refusedConnectionServesNothing() {
        var broker = BrokerHarness(authentication: JWTFixtures.secretAuthentication())
        let (id, frames) = broker.connect(token: "not-a-jwt")
        #expect(frames.map(\.command) == [.error(CommandError(
            requestId: UInt64.max, error: .authenticationError,
            message: "Unable to authenticate (malformedToken): token has 1 segment; a signed JWT has 3 (header.payload.signature)"))])
        #expect(broker.closed[id] == .authentication(
            "Unable to authenticate (malformedToken): token has 1 segment; a signed JWT has 3 (header.payload.signature)"))
        #expect(broker.state.connections[id]?.phase == .closing)
        #expect(broker.makeProducer("t", on: id) == nil)
        #expect(broker.state.auth.sessions[id] == nil)
    }

    @Test("no credentials, an empty token and an unknown method are refused")
    func missingCredentials() {
        var broker = BrokerHarness(authentication: JWTFixtures.secretAuthentication())
        for (token, method, expected) in [
            (nil, nil, "CONNECT carries no credentials"), (nil, "none", "CONNECT carries no credentials"),
            ("", "token", "the token is empty"), ("  ", "token", "the token is empty"),
            (JWTFixtures.token(role: "alice"), "tls", "unknown authentication method \"tls\""),
            (JWTFixtures.token(role: "alice"), "basic", "unknown authentication method \"basic\""),
        ] as [(String?, String?, String)] {
            let (id, frames) = broker.connect(token: token, method: method)
            let error = frames.first?.command.errorCommand
            #expect(error?.error == .authenticationError && error?.requestId == UInt64.max)
            #expect(error?.message.contains(expected) == true, "\(String(describing: error?.message))")
            #expect(broker.closed[id] != nil)
        }
    }

    @Test("the deprecated auth_method enum without a method name counts as that method")
    func deprecatedAuthMethod() {
        var broker = BrokerHarness(authentication: JWTFixtures.secretAuthentication())
        let id = broker.open()
        let connect = CommandConnect(clientVersion: "old", authMethod: .ycaV1, authData: Array("x".utf8), protocolVersion: 6)
        let error = broker.handle(.connect(connect), from: id)[id]?.first?.command.errorCommand
        #expect(error?.message.contains("unknown authentication method") == true)
    }

    @Test("the anonymous role lets clients without credentials in; bad tokens are still refused")
    func anonymousRole() {
        var broker = BrokerHarness(authentication: JWTFixtures.secretAuthentication { $0.anonymousRole = "guest" })
        let (guest, frames) = broker.connect(token: nil, method: nil)
        #expect(frames.first?.command.isConnected == true)
        #expect(broker.state.connections[guest]?.role == "guest")
        let (_, refused) = broker.connect(token: "a.b.c")
        #expect(refused.first?.command.errorCommand?.error == .authenticationError)
    }

    @Test("exp and nbf are checked against the broker's clock, not the wall clock")
    func expiryUsesTheClock() {
        var broker = BrokerHarness(authentication: JWTFixtures.secretAuthentication())
        let nowSeconds = broker.now / 1000
        let token = JWTFixtures.token(role: "alice", expiresAt: nowSeconds + 10)
        #expect(broker.connect(token: token).1.first?.command.isConnected == true)
        _ = broker.advance(milliseconds: 10_000)
        let error = broker.connect(token: token).1.first?.command.errorCommand
        #expect(error?.message.hasPrefix("Unable to authenticate (expired): token expired at \(nowSeconds + 10)") == true)

        let secret = JWTFixtures.secretAuthentication()
        let later = try! secret.mintToken(role: "bob", extraClaims: ["nbf": .integer(broker.now / 1000 + 60)])
        #expect(broker.connect(token: later).1.first?.command.errorCommand?.message.contains("notYetValid") == true)
        _ = broker.advance(milliseconds: 60_000)
        #expect(broker.connect(token: later).1.first?.command.isConnected == true)
    }

    @Test("RS256 and ES256 tokens minted in Swift with the fixture private keys are accepted; the other key is refused")
    func asymmetricKeys() throws {
        for (publicKey, algorithm, signingKey) in [
            ("rsa-public.pem", JWTAlgorithm.rs256, JWTFixtures.rsaPrivateKey), ("rsa-public.der", .rs512, JWTFixtures.rsaPrivateKey),
            ("ec-public.der", .es256, JWTFixtures.ecPrivateKey),
        ] {
            var authentication = try EmulatorAuthentication.publicKey(JWTFixtures.bytes(publicKey), algorithm: algorithm)
            authentication.authorizationEnabled = false
            var broker = BrokerHarness(authentication: authentication)
            let token = try TokenMinter.mint(subject: "svc-\(algorithm)", algorithm: algorithm, key: signingKey)
            let (id, frames) = broker.connect(token: token)
            #expect(frames.first?.command.isConnected == true, "\(algorithm): \(frames)")
            #expect(broker.state.connections[id]?.role == "svc-\(algorithm)")
            let other = try TokenMinter.mint(subject: "x", algorithm: algorithm == .es256 ? .rs256 : .es256,
                                             key: algorithm == .es256 ? JWTFixtures.rsaPrivateKey : JWTFixtures.ecPrivateKey)
            #expect(broker.connect(token: other).1.first?.command.errorCommand?.message.contains("algorithmMismatch") == true)
            let forged = try TokenMinter.mint(subject: "x", algorithm: .hs256, key: .secret(JWTFixtures.bytes(publicKey)))
            #expect(broker.connect(token: forged).1.first?.command.errorCommand?.error == .authenticationError)
        }
    }

    @Test("a token signed with another secret, or with alg none, is refused")
    func wrongKeyAndNone() throws {
        var broker = BrokerHarness(authentication: JWTFixtures.secretAuthentication())
        let other = try TokenMinter.mint(subject: "alice", algorithm: .hs256, key: .secret(Array(repeating: 7, count: 32)))
        #expect(broker.connect(token: other).1.first?.command.errorCommand?.message.contains("invalidSignature") == true)
        let none = Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)) + "." + Base64URL.encode(Array(#"{"sub":"admin"}"#.utf8)) + "."
        #expect(broker.connect(token: none).1.first?.command.errorCommand?.message.contains("unsupportedAlgorithm") == true)
    }

    @Test("audience: required when configured, role from a custom claim")
    func audienceAndRoleClaim() throws {
        let authentication = JWTFixtures.secretAuthentication {
            $0.roleClaim = "principal"
            $0.audience = "pulsar-emulator"
        }
        var broker = BrokerHarness(authentication: authentication)
        let minted = try authentication.mintToken(role: "carol")
        let (id, frames) = broker.connect(token: minted)
        #expect(frames.first?.command.isConnected == true)
        #expect(broker.state.connections[id]?.role == "carol")
        let wrongAudience = try TokenMinter.mint(claims: ["principal": "carol", "aud": "someone-else"], algorithm: .hs256,
                                                 key: .secret(JWTFixtures.secret))
        #expect(broker.connect(token: wrongAudience).1.first?.command.errorCommand?.message.contains("audienceMismatch") == true)
        #expect(broker.connect(token: JWTFixtures.token(role: "carol")).1.first?.command.errorCommand != nil,
                "a token without the role claim is refused")
    }

    @Test("inconsistent settings refuse every client with the reason, and fail PulsarEmulator.start")
    func badSettings() async throws {
        var authentication = try EmulatorAuthentication.publicKey(JWTFixtures.bytes("rsa-public.der"))
        authentication.publicAlgorithm = .es256
        var broker = BrokerHarness(authentication: authentication)
        let error = broker.connect(token: "a.b.c").1.first?.command.errorCommand
        #expect(error?.message.contains("invalidConfiguration") == true)
        var configuration = EmulatorConfiguration()
        configuration.authentication = authentication
        let startError = await #expect(throws: EmulatorError.self) { _ = try await PulsarEmulator.start(configuration) }
        #expect(startError?.code == .invalidConfiguration && startError?.authError?.code == .invalidConfiguration)
        #expect(#expect(throws: EmulatorError.self) { _ = try EmulatorAuthentication.fromSettings() }?.code == .invalidConfiguration)
        let unreadable = #expect(throws: EmulatorError.self) { _ = try EmulatorAuthentication.fromSettings(tokenSecretKey: "/no/such/file") }
        #expect(unreadable?.code == .invalidKey)
        #expect(unreadable?.message == unreadable?.authError?.message)
    }

    @Test("with authentication off, tokens are ignored and AUTH_RESPONSE is harmless")
    func authenticationOff() {
        var broker = BrokerHarness()
        let (id, frames) = broker.connect(token: "garbage")
        #expect(frames.first?.command.isConnected == true)
        broker.handle(.authResponse(CommandAuthResponse(response: AuthData(authMethodName: "token", authData: [1]))), from: id)
        #expect(broker.closed[id] == nil)
    }
}
