/// What happens to a message whose handler failed. Pure.
enum FailurePlan: Equatable {
    /// Negatively acknowledge: redelivered after the nack delay (no retry policy).
    case negativeAcknowledge
    /// Wait `delay`, then send it through the retry-letter topic (retry number `attempt`).
    case retry(attempt: Int, delay: Duration)
    /// Publish it to the dead-letter topic: the retries are used up.
    case deadLetter

    /// The plan for a message already retried `retries` times (its `RECONSUMETIMES` property) under `policy`. Matches
    /// the client's own decision in `reconsumeLater`: dead-letter once the count would pass `maxRetries`.
    static func decide(retries: Int, policy: RetryPolicy?) -> FailurePlan {
        guard let policy else { return .negativeAcknowledge }
        let attempt = retries + 1
        return attempt > policy.maxRetries ? .deadLetter : .retry(attempt: attempt, delay: policy.backoff.delay(attempt: attempt))
    }

    /// The retries already made for `message` under a retry policy.
    static func retries(of message: Message) -> Int {
        Int(message.properties["RECONSUMETIMES"] ?? "") ?? 0
    }
}
