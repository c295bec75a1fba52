import PulsarWire

/// `GET /metrics` in the Prometheus text exposition format (0.0.4), with the broker's topic-level metric names and
/// labels (`exposeTopicLevelMetricsInPrometheus=true`, its default):
///
/// ```
/// # TYPE pulsar_in_messages_total gauge
/// pulsar_in_messages_total{cluster="standalone",namespace="public/default",topic="persistent://public/default/t"} 5
/// ```
/// Like the broker, every metric is typed `gauge`, samples of one metric are grouped under one TYPE line, and the
/// `pulsar_out_*` counters are per subscription (labels plus `subscription`). Rates are 0.
struct PrometheusMetrics {
    /// The exposition format's content type.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private var order: [String] = []
    private var samples: [String: [String]] = [:]

    /// The figures of every topic, taken under the broker's lock; rendering happens after it is released.
    struct Snapshot: Sendable {
        /// Topics in name order with their statistics.
        var topics: [(name: TopicName, stats: AdminTopicStats)]
    }

    /// Takes the figures of every topic in `state`.
    static func snapshot(_ state: BrokerState) -> Snapshot {
        Snapshot(topics: state.topics.keys.sorted().compactMap { name in state.adminTopicStats(name).map { (name, $0) } })
    }

    /// Renders the metrics of every topic in `state` (snapshot and render at once).
    static func render(_ state: BrokerState) -> String {
        render(snapshot(state))
    }

    /// Renders a snapshot in the exposition format.
    static func render(_ snapshot: Snapshot) -> String {
        var metrics = PrometheusMetrics()
        let cluster = AdminCatalog.clusterName
        var topicsPerNamespace: [String: Int] = [:]
        for (name, stats) in snapshot.topics {
            topicsPerNamespace[name.namespaceName, default: 0] += 1
            let labels = [("cluster", cluster), ("namespace", name.namespaceName), ("topic", name.description)]
            metrics.add("pulsar_subscriptions_count", stats.subscriptions.count, labels)
            metrics.add("pulsar_producers_count", stats.publishers.count, labels)
            metrics.add("pulsar_consumers_count", stats.consumerCount, labels)
            metrics.add("pulsar_rate_in", 0, labels)
            metrics.add("pulsar_rate_out", 0, labels)
            metrics.add("pulsar_throughput_in", 0, labels)
            metrics.add("pulsar_throughput_out", 0, labels)
            metrics.add("pulsar_storage_size", stats.storageSize, labels)
            metrics.add("pulsar_storage_logical_size", stats.storageSize, labels)
            metrics.add("pulsar_msg_backlog", stats.backlog, labels)
            metrics.add("pulsar_storage_backlog_size", stats.backlogSize, labels)
            for subscription in stats.subscriptions {
                let subscriptionLabels = labels + [("subscription", subscription.name)]
                metrics.add("pulsar_subscription_back_log", subscription.backlog, subscriptionLabels)
                metrics.add("pulsar_subscription_back_log_no_delayed", subscription.backlog - subscription.delayed, subscriptionLabels)
                metrics.add("pulsar_subscription_delayed", subscription.delayed, subscriptionLabels)
                metrics.add("pulsar_subscription_unacked_messages", subscription.unacknowledged, subscriptionLabels)
                metrics.add("pulsar_subscription_msg_rate_out", 0, subscriptionLabels)
                metrics.add("pulsar_out_bytes_total", subscription.bytesOut, subscriptionLabels)
                metrics.add("pulsar_out_messages_total", subscription.messagesOut, subscriptionLabels)
                metrics.add("pulsar_subscription_consumers_count", subscription.consumers.count, subscriptionLabels)
            }
            metrics.add("pulsar_in_bytes_total", stats.bytesIn, labels)
            metrics.add("pulsar_in_messages_total", stats.messagesIn, labels)
        }
        for namespace in topicsPerNamespace.keys.sorted() {
            metrics.add("pulsar_topics_count", topicsPerNamespace[namespace]!, [("cluster", cluster), ("namespace", namespace)])
        }
        return metrics.text
    }

    private mutating func add(_ name: String, _ value: Int, _ labels: [(String, String)]) {
        let rendered = labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",")
        if samples[name] == nil { order.append(name) }
        samples[name, default: []].append("\(name){\(rendered)} \(value)")
    }

    private var text: String {
        var output = ""
        for name in order {
            output += "# TYPE \(name) gauge\n"
            for line in samples[name]! { output += line + "\n" }
        }
        return output
    }

    /// Label values escape backslash, double quote and line feed.
    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
