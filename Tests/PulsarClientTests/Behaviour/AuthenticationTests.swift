import Foundation
import PulsarClient
import PulsarWire
import Synchronization
import Testing

@Suite("Token authentication (client side)", .timeLimit(.minutes(1)))
struct AuthenticationTests {
    func connectCommand(of broker: FakeBroker) -> CommandConnect? {
        for case .connect(let connect) in broker.commands { return connect }
        return nil
    }

    func authResponses(_ broker: FakeBroker) -> [CommandAuthResponse] {
        broker.commands.compactMap { if case .authResponse(let response) = $0 { response } else { nil } }
    }

    @Test func connectCarriesTheTokenVersionsAndFeatureFlags() async throws {
        let broker = FakeBroker()
        let client = try TestBroker.client(of: broker) { $0.authentication = .token("eyJhbGciOiJIUzI1NiJ9.e30.sig") }
        _ = try await client.makeProducer(topic: "t")
        let connect = try #require(connectCommand(of: broker))
        #expect(connect.authMethodName == "token")
        #expect(connect.authData == Array("eyJhbGciOiJIUzI1NiJ9.e30.sig".utf8))
        #expect(connect.protocolVersion == 20)
        #expect(connect.clientVersion.hasPrefix("PulsarKit-Swift-"))
        #expect(connect.featureFlags?.supportsAuthRefresh == true)
        await client.close()
    }

    @Test func withoutAuthenticationNothingIsSent() async throws {
        let broker = FakeBroker()
        let client = try TestBroker.client(of: broker)
        _ = try await client.makeProducer(topic: "t")
        let connect = try #require(connectCommand(of: broker))
        #expect(!connect.hasAuthMethodName && !connect.hasAuthData)
        await client.close()
    }

    @Test func aTokenFileIsReadAgainOnAuthChallenge() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "  first-token\n".write(to: file, atomically: true, encoding: .utf8)
        let broker = FakeBroker()
        let client = try TestBroker.client(of: broker) { $0.authentication = .token("file://\(file.path)") }
        _ = try await client.makeProducer(topic: "t")
        #expect(connectCommand(of: broker)?.authData == Array("first-token".utf8))
        try "second-token".write(to: file, atomically: true, encoding: .utf8)
        broker.push([.command(.authChallenge(CommandAuthChallenge(
            serverVersion: "fake", challenge: AuthData(authMethodName: "token", authData: Array("refresh".utf8)), protocolVersion: 20)))])
        try await eventually("AUTH_RESPONSE") { !authResponses(broker).isEmpty }
        let response = try #require(authResponses(broker).first)
        #expect(response.response?.authMethodName == "token")
        #expect(response.response?.authData == Array("second-token".utf8))
        await client.close()
    }

    @Test func theSupplierIsAskedAgainOnAuthChallenge() async throws {
        let calls = Atomic(0)
        let broker = FakeBroker()
        let client = try TestBroker.client(of: broker) {
            $0.authentication = .tokenSupplier { "token-\(calls.add(1, ordering: .relaxed).newValue)" }
        }
        _ = try await client.makeProducer(topic: "t")
        #expect(connectCommand(of: broker)?.authData == Array("token-1".utf8))
        broker.push([.command(.authChallenge(CommandAuthChallenge()))])
        try await eventually("AUTH_RESPONSE") { !authResponses(broker).isEmpty }
        #expect(authResponses(broker).first?.response?.authData == Array("token-2".utf8))
        #expect(calls.load(ordering: .relaxed) == 2)
        await client.close()
    }

    @Test func aFailingSupplierIsAnAuthenticationError() async throws {
        struct Expired: Error {}
        let client = try TestBroker.client(of: FakeBroker()) { $0.authentication = .tokenSupplier { throw Expired() } }
        let error = await #expect(throws: PulsarClientError.self) { _ = try await client.makeProducer(topic: "t") }
        #expect(error?.code == .authentication)
        await client.close()
    }

    @Test func theEnvironmentHelperTurnsOnTokenAuthentication() async throws {
        let broker = FakeBroker()
        var configuration = try ClientConfiguration.fromEnvironment(
            environment: ["MQ_NAME_SERVER": broker.url, "PULSAR_JWT_TOKEN": "env-token"])
        configuration.connector = broker.connector
        configuration.logger = .silent
        let client = try PulsarClient(configuration: configuration)
        _ = try await client.makeProducer(topic: "t")
        #expect(connectCommand(of: broker)?.authData == Array("env-token".utf8))
        await client.close()
    }

    @Test("a token is accepted by a broker that ignores authentication", arguments: [BrokerKind.pulsarLite])
    func tokenAgainstPulsarLite(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            let client = try broker.client { $0.authentication = .token("any.token.value") }
            let producer = try await client.makeProducer(topic: uniqueTopic())
            #expect(try await producer.send(bytes("authenticated")).entryId >= 0)
            await client.close()
        }
    }
}
