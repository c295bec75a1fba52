/// Client-side topic names: short forms completed like the broker does, and partition names.
///
/// ```
///  my-topic                    → persistent://public/default/my-topic
///  tenant/ns/my-topic          → persistent://tenant/ns/my-topic
///  non-persistent://t/ns/x     → unchanged
///  partition i of T            → T-partition-i
/// ```
enum TopicNames {
    /// The fully qualified name of `name`.
    ///
    /// - Throws: ``PulsarClientError/Code/invalidTopicName`` for an empty name, an unknown domain or a wrong
    ///   number of `/`-separated parts.
    static func fullyQualified(_ name: String) throws -> String {
        let trimmed = name.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw PulsarClientError(.invalidTopicName, "the topic name is empty") }
        var domain = "persistent"
        var rest = Substring(trimmed)
        if let range = trimmed.firstRange(of: "://") {
            domain = String(trimmed[..<range.lowerBound])
            guard domain == "persistent" || domain == "non-persistent" else {
                throw PulsarClientError(.invalidTopicName, "unknown topic domain '\(domain)' in '\(name)'")
            }
            rest = trimmed[range.upperBound...]
        }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1 where !trimmed.contains("://"):
            return "\(domain)://public/default/\(parts[0])"
        case 3 where parts.allSatisfy({ !$0.isEmpty }):
            return "\(domain)://\(rest)"
        default:
            throw PulsarClientError(.invalidTopicName, "invalid topic name '\(name)': expected tenant/namespace/topic")
        }
    }

    /// The name of partition `index` of `topic`.
    static func partition(_ topic: String, _ index: Int) -> String { "\(topic)-partition-\(index)" }

    /// True for `persistent://` topics.
    static func isPersistent(_ topic: String) -> Bool { topic.hasPrefix("persistent://") }
}
