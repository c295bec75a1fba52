/// Coze Studio's `MQ_NAME_SERVER`: one `pulsar://host:port`, or a comma-separated list of brokers. The list may repeat
/// the scheme on every broker (`pulsar://b1:6650,pulsar://b2:6650`, as Coze Studio's deployment guide writes it) or
/// give it once (`pulsar://b1:6650,b2:6650`, as Pulsar clients write it).
enum NameServer {
    /// The client's service URL for `nameServer` (the scheme given once), validated.
    ///
    /// - Throws: ``EventBusError/Code/invalidArgument`` when empty, ``EventBusError/Code/invalidNameServer`` when a
    ///   broker is not `pulsar://host[:port]`.
    static func serviceURL(_ nameServer: String, source: String = "nameServer") throws -> String {
        try EventBusError.requireNonEmpty([source: nameServer])
        let scheme = "pulsar://"
        var brokers: [Substring] = []
        for (index, part) in nameServer.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            var broker = part.drop(while: \.isWhitespace)
            while broker.last?.isWhitespace == true { broker = broker.dropLast() }
            if broker.hasPrefix(scheme) {
                broker = broker.dropFirst(scheme.count)
            } else if index == 0 || broker.contains("://") {
                throw EventBusError(.invalidNameServer,
                                    "\(source) '\(nameServer)': '\(broker)' is not a pulsar://host:port URL")
            }
            brokers.append(broker)
        }
        let url = scheme + brokers.joined(separator: ",")
        do {
            _ = try ServiceURL(url)
        } catch let error as PulsarClientError {
            throw EventBusError(.invalidNameServer, "\(source) '\(nameServer)' is not a pulsar:// URL or list of them",
                                underlying: error)
        }
        return url
    }
}
