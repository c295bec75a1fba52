#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ClientConfiguration {
    /// Environment variable holding the JWT token (as Coze Studio reads it).
    public static let tokenVariable = "PULSAR_JWT_TOKEN"
    /// Environment variables consulted, in order, for the service URL when none is given.
    public static let serviceURLVariables = ["PULSAR_SERVICE_URL", "MQ_NAME_SERVER"]

    /// A configuration built from the environment, the way Coze Studio's event bus builds its client.
    ///
    /// - The service URL is `serviceURL` if given, else `PULSAR_SERVICE_URL`, else `MQ_NAME_SERVER`.
    /// - A non-empty `PULSAR_JWT_TOKEN` turns on token authentication with that token (a `file:///path` value reads
    ///   the token from that file, on every connection).
    ///
    /// - Parameters:
    ///   - serviceURL: the service URL to use instead of the environment's.
    ///   - environment: the variables to read (the process environment by default; tests pass their own).
    /// - Throws: ``PulsarClientError/Code/invalidConfiguration`` when no service URL is given or set.
    public static func fromEnvironment(
        serviceURL: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ClientConfiguration {
        let url = serviceURL ?? serviceURLVariables.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        guard let url else {
            throw PulsarClientError(.invalidConfiguration,
                                    "no service URL: pass one or set \(serviceURLVariables.joined(separator: " or "))")
        }
        var configuration = ClientConfiguration(serviceURL: url)
        if let token = environment[tokenVariable]?.trimmingWhitespace(), !token.isEmpty {
            configuration.authentication = .token(token)
        }
        return configuration
    }
}
