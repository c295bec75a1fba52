import PulsarSupport

/// Where `reconsumeLater` sends a message, like the Java client: back through the retry-letter topic (after a delay)
/// until it was reconsumed more than `maxRedeliverCount` times, then to the dead-letter topic. The count travels in
/// the `RECONSUMETIMES` property; `REAL_TOPIC` and `ORIGIN_MESSAGE_ID` record where the message first came from.
enum RetryLetterDecision: Equatable {
    /// Publish to the retry-letter topic with these properties, to be delivered after the delay.
    case retry(properties: [String: String])
    /// Publish to the dead-letter topic with these properties.
    case deadLetter(properties: [String: String])

    /// The decision for `message`, reconsumed after `delay` with extra `properties`.
    static func decide(_ message: Message, delay: Duration, maxRedeliverCount: Int,
                       properties extra: [String: String] = [:]) -> RetryLetterDecision {
        let times = (Int(message.properties[RetryLetterProperty.reconsumeTimes] ?? "0") ?? 0) + 1
        var properties = message.properties
        if properties[RetryLetterProperty.realTopic] == nil { properties[RetryLetterProperty.realTopic] = message.topic }
        if properties[RetryLetterProperty.originMessageId] == nil {
            properties[RetryLetterProperty.originMessageId] = message.messageID.description
        }
        properties.merge(extra) { _, new in new }
        properties[RetryLetterProperty.reconsumeTimes] = String(times)
        properties[RetryLetterProperty.delayTime] = String(delay.wholeMilliseconds)
        return times > maxRedeliverCount ? .deadLetter(properties: properties) : .retry(properties: properties)
    }
}
