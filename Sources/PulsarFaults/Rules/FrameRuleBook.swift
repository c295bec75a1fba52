import PulsarSupport
import PulsarWire

/// One frame as the rules see it: its direction, its command, and the topic the proxy knows it to be on.
struct FrameFacts: Equatable {
    var direction: ToxicStream
    var command: Command
    var topic: TopicName?
}

/// A proxy's frame rules and their counters, as a plain value: a frame's facts in, the action to take (or none)
/// out. The counters are the proxy's, across all its connections, so "the third SEND" means the third through the
/// proxy. Random choices come from a seeded generator.
struct FrameRuleBook {
    private struct Progress {
        var matched = 0
        var fired = 0
        var addedAt: Int64
    }

    private(set) var rules: [FrameRule] = []
    private var progress: [String: Progress] = [:]
    /// Firings by rule name, kept when a rule is removed.
    private(set) var firings: [String: Int] = [:]
    private var random: SeededRandom

    init(seed: UInt64) {
        random = SeededRandom(seed: seed)
    }

    var isEmpty: Bool { rules.isEmpty }

    /// Adds a rule at the end (rules are tried in order; the first that fires wins).
    mutating func add(_ rule: FrameRule, now: Int64) {
        rules.append(rule)
        progress[rule.name] = Progress(addedAt: now)
        if firings[rule.name] == nil { firings[rule.name] = 0 }
    }

    /// Removes a rule; false when there is none of that name.
    mutating func remove(named name: String) -> Bool {
        guard rules.contains(where: { $0.name == name }) else { return false }
        rules.removeAll { $0.name == name }
        progress[name] = nil
        return true
    }

    /// Removes every rule.
    mutating func removeAll() {
        rules = []
        progress = [:]
    }

    /// The rule that fires on this frame and its action, counting the match; nil lets the frame pass.
    mutating func decide(_ facts: FrameFacts, now: Int64) -> (rule: String, action: FrameAction)? {
        for rule in rules where Self.matches(rule.match, facts) {
            guard var state = progress[rule.name] else { continue }
            state.matched += 1
            defer { progress[rule.name] = state }
            guard state.matched > rule.after else { continue }
            let elapsed = (now - state.addedAt) / 1_000_000
            guard elapsed >= Int64(rule.activeFrom), rule.activeUntil.map({ elapsed <= Int64($0) }) ?? true else { continue }
            guard rule.count.map({ state.fired < $0 }) ?? true else { continue }
            if rule.probability < 1, Double(random.next() >> 11) / Double(1 << 53) >= rule.probability { continue }
            state.fired += 1
            firings[rule.name, default: 0] += 1
            return (rule.name, rule.action)
        }
        return nil
    }

    static func matches(_ match: FrameMatch, _ facts: FrameFacts) -> Bool {
        if let direction = match.direction, direction != facts.direction { return false }
        if !match.commands.isEmpty, !match.commands.contains(facts.command.type.name ?? "") { return false }
        if let producerId = match.producerId, facts.command.producerId != producerId { return false }
        if let consumerId = match.consumerId, facts.command.consumerId != consumerId { return false }
        if let requestId = match.requestId, facts.command.requestId != requestId { return false }
        if let topic = match.topic {
            guard let wanted = try? TopicName(topic), let actual = facts.topic else { return false }
            if actual != wanted, actual.partitionedParent != wanted { return false }
        }
        return true
    }
}
