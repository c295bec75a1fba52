@testable import EventBus
import PulsarEmulator
import Testing

/// Bad input gets a typed ``EventBusError`` that names the problem.
@Suite("EventBus: bad input", .timeLimit(.minutes(2)))
struct BadInputTests {
    @Test("an empty topic, group or name server is refused, naming the parameter")
    func emptyArguments() async throws {
        try await withBus { harness in
            let bus = harness.bus
            let url = bus.configuration.serviceURL
            for (nameServer, topic, group, named) in [(url, "", "g", "topic"), (url, "t", "", "group"), (url, " ", "g", "topic"),
                                                      ("", "t", "g", "nameServer")] {
                let producerError = await #expect(throws: EventBusError.self) {
                    _ = try await bus.makeProducer(nameServer: nameServer, topic: topic, group: group)
                }
                #expect(producerError?.code == .invalidArgument)
                #expect(producerError?.message.hasPrefix(named) == true, "\(String(describing: producerError))")
                let consumerError = await #expect(throws: EventBusError.self) {
                    _ = try await bus.registerConsumer(nameServer: nameServer, topic: topic, group: group) { _ in }
                }
                #expect(consumerError?.code == .invalidArgument)
                #expect(consumerError?.message.hasPrefix(named) == true, "\(String(describing: consumerError))")
            }
            #expect(harness.emulator.topicNames().isEmpty, "nothing reached the broker")
        }
    }

    @Test("bad consumer options are refused before subscribing")
    func badOptions() async throws {
        try await withBus { harness in
            let cases: [(EventConsumerOption, String)] = [
                (.maxConcurrentHandlers(0), "maxConcurrentHandlers"), (.receiverQueueSize(0), "receiverQueueSize"),
                (.nackRedeliveryDelay(.seconds(-1)), "nackRedeliveryDelay"), (.retry(RetryPolicy(maxRetries: 0)), "maxRetries"),
                (.retry(RetryPolicy(maxRetries: 1, backoff: EventBackoff(initial: .seconds(2), maximum: .seconds(1)))), "retry.backoff"),
                (.retry(RetryPolicy(maxRetries: 1, deadLetterTopic: "")), "deadLetterTopic"),
            ]
            for (option, named) in cases {
                let error = await #expect(throws: EventBusError.self) {
                    _ = try await harness.bus.registerConsumer(topic: "t", group: "g", options: option) { _ in }
                }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message.contains(named) == true, "\(String(describing: error))")
            }
            #expect(harness.subscription("g", topic: "t") == nil)
        }
    }

    @Test("a name server that is not pulsar:// is refused; both list forms are accepted")
    func nameServers() throws {
        #expect(try NameServer.serviceURL("pulsar://pulsar:6650") == "pulsar://pulsar:6650")
        #expect(try NameServer.serviceURL("pulsar://b1:6650,pulsar://b2:6650, pulsar://b3:6650")
                == "pulsar://b1:6650,b2:6650,b3:6650")
        #expect(try NameServer.serviceURL("pulsar://b1:6650,b2:6650") == "pulsar://b1:6650,b2:6650")
        for bad in ["http://pulsar:8080", "pulsar+ssl://pulsar:6651", "pulsar:6650", "pulsar://b1:6650,http://b2:80",
                    "pulsar://b1:6650,", "pulsar://host:notaport"] {
            let error = #expect(throws: EventBusError.self) { try NameServer.serviceURL(bad) }
            #expect(error?.code == .invalidNameServer, "\(bad)")
            #expect(error?.message.contains(bad) == true)
        }
    }

    @Test("a closed producer refuses to send")
    func closedProducer() async throws {
        try await withBus { harness in
            let producer = try await harness.bus.makeProducer(topic: uniqueTopic("closed"), group: "cg_closed")
            #expect(harness.bus.producers.count == 1)
            await producer.close()
            await producer.close()  // idempotent
            #expect(producer.isClosed && harness.bus.producers.isEmpty)
            for send in [{ try await producer.send(bytes("x"), options: []) },
                         { try await producer.batchSend([bytes("x")], options: []) },
                         { try await producer.batchSend([], options: []) }] as [@Sendable () async throws -> Void] {
                let error = await #expect(throws: EventBusError.self) { try await send() }
                #expect(error?.code == .producerClosed)
                #expect(error?.message.contains("cg_closed-producer") == true)
            }
        }
    }

    @Test("after shutdown the bus refuses new producers and consumers")
    func closedBus() async throws {
        try await withBus { harness in
            let registration = try await harness.bus.registerConsumer(topic: uniqueTopic("x"), group: "g") { _ in }
            await harness.bus.shutdown(deadline: .seconds(5))
            #expect(harness.bus.registrations.isEmpty && registration.isStopped)
            #expect(registration.counters == EventBusCounters())
            await #expect(throws: EventBusError(.busClosed, "the event bus was shut down")) {
                _ = try await harness.bus.makeProducer(topic: "t", group: "g")
            }
            await #expect(throws: EventBusError(.busClosed, "the event bus was shut down")) {
                _ = try await harness.bus.registerConsumer(topic: "t", group: "g") { _ in }
            }
        }
    }
}

/// The environment factory, as Coze Studio's services start.
@Suite("EventBus: environment", .timeLimit(.minutes(2)))
struct EnvironmentTests {
    @Test("COZE_MQ_TYPE must be pulsar: another value names itself and what is supported")
    func mqType() throws {
        let missing = #expect(throws: EventBusError.self) {
            _ = try PulsarEventBus.fromEnvironment(["MQ_NAME_SERVER": "pulsar://pulsar:6650"])
        }
        #expect(missing?.code == .invalidEnvironment)
        #expect(missing?.message.contains("COZE_MQ_TYPE") == true)
        for type in ["kafka", "Pulsar", "rabbit"] {
            let error = #expect(throws: EventBusError.self) {
                _ = try PulsarEventBus.fromEnvironment(["COZE_MQ_TYPE": type, "MQ_NAME_SERVER": "pulsar://pulsar:6650"])
            }
            #expect(error?.code == .unsupportedMQType)
            #expect(error?.message.contains("'\(type)'") == true)
            #expect(error?.message.contains("only 'pulsar'") == true)
        }
    }

    @Test("MQ_NAME_SERVER is required and must be pulsar://; a list becomes the client's service URL")
    func nameServer() throws {
        for environment in [["COZE_MQ_TYPE": "pulsar"], ["COZE_MQ_TYPE": "pulsar", "MQ_NAME_SERVER": "  "]] {
            let error = #expect(throws: EventBusError.self) { _ = try PulsarEventBus.fromEnvironment(environment) }
            #expect(error?.code == .invalidEnvironment)
            #expect(error?.message.contains("MQ_NAME_SERVER") == true)
        }
        let bad = #expect(throws: EventBusError.self) {
            _ = try PulsarEventBus.fromEnvironment(["COZE_MQ_TYPE": "pulsar", "MQ_NAME_SERVER": "nsq:4150"])
        }
        #expect(bad?.code == .invalidNameServer)
        #expect(bad?.message.contains("MQ_NAME_SERVER") == true)
        let bus = try PulsarEventBus.fromEnvironment(
            ["COZE_MQ_TYPE": "pulsar", "MQ_NAME_SERVER": "pulsar://b1:6650,pulsar://b2:6650,pulsar://b3:6650"])
        #expect(bus.configuration.serviceURL == "pulsar://b1:6650,b2:6650,b3:6650")
    }

    @Test("PULSAR_JWT_TOKEN authenticates every client the bus makes")
    func token() async throws {
        var configuration = EmulatorConfiguration()
        configuration.authentication = .generatedSecret()
        configuration.authentication?.superuserRoles = ["coze"]
        let emulator = try await PulsarEmulator.start(configuration)
        let base = testConfiguration(emulator)
        let token = try emulator.mintToken(role: "coze", expiresIn: .seconds(600))
        let environment = ["COZE_MQ_TYPE": "pulsar", "MQ_NAME_SERVER": emulator.serviceURL, "PULSAR_JWT_TOKEN": token]
        let bus = try PulsarEventBus.fromEnvironment(environment) { $0.connector = base.connector; $0.logger = base.logger }
        let producer = try await bus.makeProducer(topic: "opencoze_knowledge", group: "cg_knowledge")
        try await producer.send(bytes("authenticated"), options: [])
        var unauthenticated = environment
        unauthenticated["PULSAR_JWT_TOKEN"] = nil
        let anonymous = try PulsarEventBus.fromEnvironment(unauthenticated) { $0.connector = base.connector; $0.logger = base.logger }
        let error = await #expect(throws: EventBusError.self) {
            _ = try await anonymous.makeProducer(topic: "opencoze_knowledge", group: "cg_other")
        }
        #expect(error?.code == .producerCreationFailed)
        #expect(error?.underlying?.code == .authentication)
        await bus.shutdown()
        await anonymous.shutdown()
        await emulator.shutdown()
    }
}
