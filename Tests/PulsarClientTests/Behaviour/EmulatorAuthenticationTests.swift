import Foundation
import PulsarAuth
import PulsarClient
import PulsarEmulator
import PulsarWire
import Synchronization
import Testing

/// The Swift client against the emulator with token authentication and authorization on.
@Suite("Token authentication and authorization against the emulator", .timeLimit(.minutes(1)))
struct EmulatorAuthenticationTests {
    static func configuration(clock: ManualClock? = nil) -> EmulatorConfiguration {
        var configuration = EmulatorConfiguration()
        var authentication = EmulatorAuthentication.generatedSecret()
        authentication.superuserRoles = ["admin"]
        authentication.grants = [PermissionGrant(role: "app", namespace: "public/default", actions: [.produce, .consume])]
        configuration.authentication = authentication
        if let clock {
            configuration.clock = clock
            configuration.keepAliveInterval = .seconds(3600)
        }
        return configuration
    }

    @Test("a good token produces and consumes, over TCP and in memory", arguments: [false, true])
    func goodToken(tcp: Bool) async throws {
        try await withBroker(.emulator, tcp: tcp, emulatorConfiguration: Self.configuration()) { broker in
            let token = try broker.emulator!.mintToken(role: "app", expiresIn: .seconds(3600))
            let client = try broker.client { $0.authentication = .token(token) }
            let topic = uniqueTopic("auth")
            let consumer = try await client.subscribe(topic: topic, subscription: "s")
            let producer = try await client.makeProducer(topic: topic)
            _ = try await producer.send(bytes("authenticated"))
            let received = try await receive(1, from: consumer)
            #expect(received.map { String(decoding: $0.payload, as: UTF8.self) } == ["authenticated"])
            #expect(broker.emulator!.connections().allSatisfy { $0.clientVersion.hasPrefix("PulsarKit-Swift") })
            await client.close()
        }
    }

    @Test("a bad, expired, wrong-key or missing token fails fast with an authentication error, not after the timeout",
          arguments: ["garbage", "expired", "wrong key", "alg none", "none"])
    func refusedTokens(_ kind: String) async throws {
        try await withBroker(.emulator, tcp: true, emulatorConfiguration: Self.configuration()) { broker in
            let emulator = broker.emulator!
            let token: String? = switch kind {
            case "garbage": "not.a.token"
            case "expired": try TokenMinter.mint(subject: "app", expiresAt: 1_000_000_000, algorithm: .hs256,
                                                 key: emulator.configuration.authentication!.signingKey!)
            case "wrong key": try EmulatorAuthentication.generatedSecret().mintToken(role: "app")
            case "alg none": Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)) + "." + Base64URL.encode(Array(#"{"sub":"app"}"#.utf8)) + "."
            default: nil
            }
            let client = try broker.client {
                $0.operationTimeout = .seconds(30)
                if let token { $0.authentication = .token(token) }
            }
            let error = await #expect(throws: PulsarClientError.self) { _ = try await client.makeProducer(topic: uniqueTopic()) }
            // A timeout would fail with `.timeout` after the 30 s operation timeout: the code proves the refusal
            // itself was reported.
            #expect(error?.code == .authentication, "\(String(describing: error))")
            await client.close()
        }
    }

    @Test("a role without grants gets an authorization error; a superuser may do anything")
    func authorization() async throws {
        try await withBroker(.emulator, emulatorConfiguration: Self.configuration()) { broker in
            let emulator = broker.emulator!
            let strangerToken = try emulator.mintToken(role: "stranger")
            let stranger = try broker.client {
                $0.authentication = .token(strangerToken)
                $0.operationTimeout = .seconds(30)
            }
            let error = await #expect(throws: PulsarClientError.self) { _ = try await stranger.makeProducer(topic: uniqueTopic()) }
            // Retried until the 30 s operation timeout, it would fail with `.timeout`.
            #expect(error?.code == .authorization, "\(String(describing: error))")
            await stranger.close()

            let adminToken = try emulator.mintToken(role: "admin")
            let admin = try broker.client { $0.authentication = .token(adminToken) }
            _ = try await admin.makeProducer(topic: "persistent://other/namespace/t")
            await admin.close()

            emulator.grant(PermissionGrant(role: "stranger", topic: try TopicName("late"), actions: [.produce]))
            let granted = try broker.client { $0.authentication = .token(strangerToken) }
            _ = try await granted.makeProducer(topic: "late")
            await granted.close()
        }
    }

    @Test("an expiring token is refreshed through the supplier on AUTH_CHALLENGE; the connection stays")
    func refreshThroughTheSupplier() async throws {
        let clock = ManualClock()
        try await withBroker(.emulator, emulatorConfiguration: Self.configuration(clock: clock)) { broker in
            let emulator = broker.emulator!
            let calls = Atomic(0)
            let client = try broker.client {
                $0.authentication = .tokenSupplier {
                    calls.add(1, ordering: .relaxed)
                    return try emulator.mintToken(role: "app", expiresIn: .seconds(90))
                }
            }
            let topic = uniqueTopic("refresh")
            let producer = try await client.makeProducer(topic: topic)
            let before = calls.load(ordering: .relaxed)
            let connection = try #require(emulator.connections().first)
            #expect(connection.role == "app")
            emulator.advanceTime(by: .seconds(120))
            try await eventually("the supplier was asked again") { calls.load(ordering: .relaxed) > before }
            _ = try await producer.send(bytes("after refresh"))
            emulator.advanceTime(by: .seconds(60))
            _ = try await producer.send(bytes("still connected"))
            #expect(emulator.connections().map(\.id) == [connection.id], "no reconnection")
            await client.close()
        }
    }

    @Test("the README's example")
    func readmeExample() async throws {
        var configuration = EmulatorConfiguration()
        configuration.clock = ManualClock()
        configuration.authentication = .generatedSecret()
        configuration.authentication?.superuserRoles = ["admin"]
        configuration.authentication?.grants = [PermissionGrant(role: "app", namespace: "public/default", actions: [.produce, .consume])]
        try await withPulsarEmulator(configuration) { emulator in
            let token = try emulator.mintToken(role: "app", expiresIn: .seconds(60))
            var client = ClientConfiguration(serviceURL: emulator.serviceURL)
            client.authentication = .token(token)
            client.logger = .silent
            let pulsar = try PulsarClient(configuration: client)
            _ = try await pulsar.makeProducer(topic: "orders").send(bytes("hello"))
            await pulsar.close()
            emulator.advanceTime(by: .seconds(61))
            emulator.grant(PermissionGrant(role: "reporting", topic: try TopicName("orders"), actions: [.consume]))
        }
        let standalone = EmulatorAuthentication.generatedSecret()
        let token = try standalone.mintToken(role: "svc", expiresAt: 4_102_444_800)
        #expect(try standalone.makeValidator().validate(token, now: 1_700_000_000).role == "svc")
    }

    @Test("PULSAR_JWT_TOKEN through ClientConfiguration.fromEnvironment")
    func environmentToken() async throws {
        try await withBroker(.emulator, tcp: true, emulatorConfiguration: Self.configuration()) { broker in
            let token = try broker.emulator!.mintToken(role: "app")
            var configuration = try ClientConfiguration.fromEnvironment(
                environment: ["MQ_NAME_SERVER": broker.serviceURL, "PULSAR_JWT_TOKEN": token])
            configuration.logger = .silent
            let client = try PulsarClient(configuration: configuration)
            _ = try await client.makeProducer(topic: uniqueTopic()).send(bytes("env"))
            await client.close()
        }
    }
}
