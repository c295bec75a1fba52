import PulsarWire

extension TopicName {
    /// Parses `name` with the broker's rules (see ``TopicName``), failing as the client fails:
    /// ``PulsarClientError/Code/invalidTopicName`` with the reason.
    ///
    /// ```
    ///  my-topic                    → persistent://public/default/my-topic
    ///  tenant/ns/my-topic          → persistent://tenant/ns/my-topic
    ///  non-persistent://t/ns/x     → unchanged
    /// ```
    init(validating name: String) throws(PulsarClientError) {
        do {
            try self.init(name)
        } catch {
            throw PulsarClientError(.invalidTopicName, error.message)
        }
    }
}
