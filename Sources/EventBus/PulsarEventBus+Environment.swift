#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension PulsarEventBus {
    /// The environment variable naming the message queue (Coze Studio's `COZE_MQ_TYPE`); must be `pulsar`.
    public static let mqTypeVariable = "COZE_MQ_TYPE"
    /// The environment variable with the name server: one `pulsar://host:port` or a comma-separated list.
    public static let nameServerVariable = "MQ_NAME_SERVER"
    /// The environment variable with the JWT token (optional; `file:///path` reads it from a file).
    public static let tokenVariable = ClientConfiguration.tokenVariable
    /// The message queue types Coze Studio knows; only `pulsar` is implemented here.
    public static let cozeMQTypes = ["nsq", "kafka", "rmq", "pulsar", "nats"]

    /// An event bus configured the way Coze Studio's services start: `COZE_MQ_TYPE` must be `pulsar`,
    /// `MQ_NAME_SERVER` is the default name server (one URL or a comma-separated list of brokers), and a non-empty
    /// `PULSAR_JWT_TOKEN` turns on token authentication.
    ///
    /// - Parameters:
    ///   - environment: the variables to read (the process environment by default; tests pass their own).
    ///   - configure: adjusts the client configuration after the environment was applied (connector, logger …).
    ///   - consumerDefaults: the options every registration starts from.
    ///   - sleeper: how backoffs wait; `nil` sleeps on the configuration's clock.
    ///   - observer: told about every event of every registration.
    /// - Throws: ``EventBusError``: ``EventBusError/Code/invalidEnvironment`` when `COZE_MQ_TYPE` or `MQ_NAME_SERVER`
    ///   is missing or empty, ``EventBusError/Code/unsupportedMQType`` when `COZE_MQ_TYPE` is not `pulsar`,
    ///   ``EventBusError/Code/invalidNameServer`` when `MQ_NAME_SERVER` is not a `pulsar://` URL or list of them.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        configure: (inout ClientConfiguration) -> Void = { _ in },
        consumerDefaults: EventConsumerOptions = EventConsumerOptions(), sleeper: EventBusSleeper? = nil,
        observer: (@Sendable (EventBusEvent) -> Void)? = nil
    ) throws -> PulsarEventBus {
        guard let type = environment[mqTypeVariable], !type.isEmpty else {
            throw EventBusError(.invalidEnvironment, "\(mqTypeVariable) is not set; set it to 'pulsar'")
        }
        guard type == "pulsar" else {
            let known = cozeMQTypes.contains(type) ? "Coze Studio knows '\(type)', but " : ""
            throw EventBusError(.unsupportedMQType,
                                "\(mqTypeVariable) is '\(type)': \(known)this event bus supports only 'pulsar'")
        }
        guard let nameServer = environment[nameServerVariable], !nameServer.allSatisfy(\.isWhitespace) else {
            throw EventBusError(.invalidEnvironment,
                                "\(nameServerVariable) is not set; set it to pulsar://host:6650 or a comma-separated list of brokers")
        }
        let serviceURL = try NameServer.serviceURL(nameServer, source: nameServerVariable)
        var configuration: ClientConfiguration
        do {
            configuration = try ClientConfiguration.fromEnvironment(serviceURL: serviceURL, environment: environment)
        } catch let error as PulsarClientError {
            throw EventBusError(.invalidEnvironment, "cannot configure the client from the environment", underlying: error)
        }
        configure(&configuration)
        return PulsarEventBus(configuration: configuration, consumerDefaults: consumerDefaults, sleeper: sleeper,
                              observer: observer)
    }
}
