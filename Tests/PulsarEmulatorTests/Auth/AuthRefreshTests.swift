import PulsarAuth
import PulsarWire
import Testing
@testable import PulsarEmulator

@Suite("Broker: token expiry on open connections, AUTH_CHALLENGE and AUTH_RESPONSE", .timeLimit(.minutes(1)))
struct AuthRefreshTests {
    /// A broker checking every 60 s (the default) with keep-alive out of the way, and a token expiring in 90 s.
    static func setUp(refresh: Bool = true) -> (BrokerHarness, ConnectionID, Int64) {
        var broker = BrokerHarness(authentication: JWTFixtures.secretAuthentication()) { $0.keepAliveInterval = .seconds(3600) }
        let expiresAt = broker.now / 1000 + 90
        let id = broker.authenticatedConnection(JWTFixtures.token(role: "alice", expiresAt: expiresAt), refresh: refresh)
        return (broker, id, expiresAt)
    }

    static func authResponse(_ token: String, method: String = "token") -> Command {
        .authResponse(CommandAuthResponse(clientVersion: "test", response: AuthData(authMethodName: method, authData: Array(token.utf8)),
                                          protocolVersion: 20))
    }

    @Test("an expired token is challenged at the next check, not before; a fresh token for the same role keeps the connection")
    func challengeAndRefresh() {
        var (broker, id, expiresAt) = Self.setUp()
        #expect(broker.advance(milliseconds: 60_000)[id] == nil, "not expired at the first check")
        #expect(broker.advance(milliseconds: 59_999)[id] == nil, "checks run every 60 s")
        let challenge = broker.advance(milliseconds: 1)[id]?.first?.command
        #expect(challenge == .authChallenge(CommandAuthChallenge(
            challenge: AuthData(authMethodName: "token", authData: Array("PulsarAuthRefresh".utf8)), protocolVersion: 20)))
        #expect(broker.state.auth.sessions[id]?.challengePending == true)
        let fresh = JWTFixtures.token(role: "alice", expiresAt: expiresAt + 3600)
        #expect(broker.handle(Self.authResponse(fresh), from: id).isEmpty, "a successful refresh is not answered")
        #expect(broker.state.auth.sessions[id]?.challengePending == false)
        #expect(broker.state.auth.sessions[id]?.expiresAt == (expiresAt + 3600) * 1000)
        #expect(broker.advance(milliseconds: 60_000)[id] == nil)
        #expect(broker.closed[id] == nil)
        #expect(broker.makeProducer("t", on: id)?.serverError == nil, "the connection still serves")
    }

    @Test("a client without supports_auth_refresh is disconnected when its token expires, without an ERROR")
    func noRefreshSupportDisconnects() {
        var (broker, id, _) = Self.setUp(refresh: false)
        _ = broker.advance(milliseconds: 60_000)
        #expect(broker.closed[id] == nil)
        let frames = broker.advance(milliseconds: 60_000)[id]
        #expect(frames == nil)
        guard case .authentication(let reason)? = broker.closed[id] else { Issue.record("not closed"); return }
        #expect(reason.contains("does not support authentication refresh"))
    }

    @Test("a challenge still unanswered at the next check closes the connection")
    func unansweredChallenge() {
        var (broker, id, _) = Self.setUp()
        _ = broker.advance(milliseconds: 120_000)
        #expect(broker.state.auth.sessions[id]?.challengePending == true)
        _ = broker.advance(milliseconds: 60_000)
        guard case .authentication(let reason)? = broker.closed[id] else { Issue.record("not closed"); return }
        #expect(reason.contains("timeout on refreshing auth credentials"))
    }

    @Test("an invalid, expired, differently-roled or non-token AUTH_RESPONSE gets ERROR(AuthenticationError) and a close",
          arguments: ["invalid", "expired", "other role", "other method"])
    func badResponses(_ kind: String) {
        var (broker, id, expiresAt) = Self.setUp()
        _ = broker.advance(milliseconds: 120_000)
        let response: Command = switch kind {
        case "invalid": Self.authResponse("x.y.z")
        case "expired": Self.authResponse(JWTFixtures.token(role: "alice", expiresAt: expiresAt))
        case "other role": Self.authResponse(JWTFixtures.token(role: "mallory"))
        default: Self.authResponse(JWTFixtures.token(role: "alice"), method: "basic")
        }
        let error = broker.handle(response, from: id)[id]?.first?.command.errorCommand
        #expect(error?.requestId == UInt64.max)
        #expect(error?.error == .authenticationError)
        #expect(error?.message.hasPrefix("Failed to authenticate") == true, "\(String(describing: error))")
        #expect(broker.closed[id] != nil)
        #expect(broker.state.connections[id]?.phase == .closing)
    }

    @Test("refreshCheckInterval is configurable; tokens without exp are never challenged")
    func configurableInterval() {
        var broker = BrokerHarness(authentication: JWTFixtures.secretAuthentication { $0.refreshCheckInterval = .seconds(5) }) {
            $0.keepAliveInterval = .seconds(3600)
        }
        let short = broker.authenticatedConnection(JWTFixtures.token(role: "alice", expiresAt: broker.now / 1000 + 3))
        let forever = broker.authenticatedConnection(JWTFixtures.token(role: "bob"))
        let frames = broker.advance(milliseconds: 5_000)
        #expect(frames[short]?.first.map { if case .authChallenge = $0.command { true } else { false } } == true)
        #expect(frames[forever] == nil)
        _ = broker.advance(milliseconds: 3_600_000)
        #expect(broker.closed[forever] == nil)
        #expect(broker.closed[short] != nil)
    }

    @Test("a closed connection's session is dropped")
    func sessionsFollowConnections() {
        var (broker, id, _) = Self.setUp()
        #expect(broker.state.auth.sessions[id]?.role == "alice")
        _ = broker.drop(id)
        #expect(broker.state.auth.sessions[id] == nil)
    }

    @Test("through the real emulator: ManualClock + advanceTime drive the check, mintToken uses the emulator clock")
    func throughTheEmulator() async throws {
        var configuration = EmulatorConfiguration()
        configuration.clock = ManualClock(startMilliseconds: JWTFixtures.now)
        configuration.keepAliveInterval = .seconds(3600)
        configuration.authentication = JWTFixtures.secretAuthentication()
        try await withPulsarEmulator(configuration) { emulator in
            let token = try emulator.mintToken(role: "alice", expiresIn: .seconds(30))
            #expect(try JSONWebToken(compact: token).claims["exp"]?.integerValue == JWTFixtures.now / 1000 + 30)
            var client = RawClient(emulator.connectInMemory())
            client.send(.connect(CommandConnect(clientVersion: "raw", authData: Array(token.utf8), protocolVersion: 20,
                                                authMethodName: "token", featureFlags: FeatureFlags(supportsAuthRefresh: true))))
            #expect(try await client.next()?.command.isConnected == true)
            emulator.advanceTime(by: .seconds(60))
            guard case .authChallenge? = try await client.next()?.command else { Issue.record("no AUTH_CHALLENGE"); return }
            client.send(Self.authResponse(try emulator.mintToken(role: "alice", expiresIn: .seconds(3600))))
            client.send(.ping(CommandPing()))
            #expect(try await client.next()?.command == .pong(CommandPong()), "the AUTH_RESPONSE was handled")
            emulator.advanceTime(by: .seconds(60))
            client.send(.ping(CommandPing()))
            #expect(try await client.next()?.command == .pong(CommandPong()), "refreshed: still connected")

            var refused = RawClient(emulator.connectInMemory())
            refused.send(.connect(CommandConnect(clientVersion: "raw", authData: Array(token.utf8), protocolVersion: 20,
                                                 authMethodName: "token")))
            let error = try await refused.next()?.command.errorCommand
            #expect(error?.error == .authenticationError && error?.requestId == UInt64.max)
            #expect(try await refused.next() == nil, "closed after the ERROR")
        }
        var off = EmulatorConfiguration()
        off.adminPort = nil
        try await withPulsarEmulator(off) { emulator in
            #expect(#expect(throws: EmulatorError.self) { _ = try emulator.mintToken(role: "x") }?.code == .invalidConfiguration)
        }
    }
}
