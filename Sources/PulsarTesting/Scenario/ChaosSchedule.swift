import PulsarSupport
import PulsarWire

/// Random fault schedules for exploration (`pulsar-bench chaos`): each seed gives one scenario, the same on every
/// machine, that mixes a random EventBus workload with one to five random faults from everything a scenario file
/// can say. Faults that need an end get one (held receipts are released, a proxy that goes down comes back, a toxic
/// is removed). The checker judges each run only by the queue's promises: no scenario-specific evidence is expected.
public enum ChaosSchedule {
    /// The scenario for `seed`; run it with `runScenario(ChaosSchedule.scenario(seed: s))` or replay it with
    /// `swift run pulsar-bench chaos --runs 1 --seed s`.
    public static func scenario(seed: UInt64) -> FaultScenario {
        var random = SeededRandom(seed: seed)
        var workload = ScenarioWorkload()
        workload.messages = Int.random(in: 10...50, using: &random)
        workload.batchSize = [1, 1, 2, 4, 8].randomElement(using: &random)!
        workload.keys = [0, 0, 1, 3].randomElement(using: &random)!
        workload.sendGapMilliseconds = [0, 0, 10, 100, 1000].randomElement(using: &random)!
        workload.handlerMilliseconds = [0, 0, 0, 5, 50].randomElement(using: &random)!
        workload.nackEvery = [0, 0, 0, 3, 7].randomElement(using: &random)!
        if Int.random(in: 0..<5, using: &random) == 0 { workload.crashAt = Int.random(in: 0..<workload.messages, using: &random) }
        if Int.random(in: 0..<10, using: &random) == 0 { workload.tokenLifetimeMilliseconds = Int.random(in: 2000...20000, using: &random) }
        var steps: [ScenarioStep] = []
        for index in 0..<Int.random(in: 1...5, using: &random) {
            steps += faultSteps(index, messages: workload.messages, random: &random)
        }
        if workload.tokenLifetimeMilliseconds != nil {
            // A broker clock an hour ahead finds every token expired: clients cannot authenticate at all, as against
            // a real broker with that clock skew. Only backward jumps are mixed with expiring tokens.
            steps = steps.map { step in
                guard case .jumpClock(let milliseconds) = step.action, milliseconds > 0 else { return step }
                return ScenarioStep(step.trigger, .jumpClock(milliseconds: -milliseconds))
            }
        }
        return FaultScenario(name: "chaos-\(seed)", summary: "random schedule \(seed)", seed: seed, workload: workload, steps: steps)
    }

    /// One fault, with the step that ends it when it needs one.
    private static func faultSteps(_ index: Int, messages: Int, random: inout SeededRandom) -> [ScenarioStep] {
        // A fault's end is triggered the same way as its start, and later, so it never fires first.
        let at: ScenarioTrigger
        let later: ScenarioTrigger
        if Bool.random(using: &random) {
            let sends = Int.random(in: 0..<messages, using: &random)
            at = .afterSends(sends)
            later = .afterSends(sends + Int.random(in: 1...10, using: &random))
        } else {
            let milliseconds = Int.random(in: 0..<3000, using: &random)
            at = .atMilliseconds(milliseconds)
            later = .atMilliseconds(milliseconds + Int.random(in: 100..<5000, using: &random))
        }
        let count = Int.random(in: 1...3, using: &random)
        let retryable: [ServerError] = [.serviceNotReady, .persistenceError, .tooManyRequests]
        func rule(_ name: String, _ match: FrameMatch, _ action: FrameAction, count: Int? = nil) -> ScenarioAction {
            .addRule(FrameRule("\(name)-\(index)", match: match, action: action, count: count))
        }
        switch Int.random(in: 0..<17, using: &random) {
        case 0:
            let operation: BrokerOperation = [.send, .send, .producer, .subscribe, .lookup, .ack, .connect].randomElement(using: &random)!
            return [ScenarioStep(at, .failNext(operation, error: retryable.randomElement(using: &random)!, count: count, topic: nil))]
        case 1:
            let fault = ReceiptFault.allCases.randomElement(using: &random)!
            return [ScenarioStep(at, .faultReceipts(fault, count: count, topic: nil)), ScenarioStep(later, .releaseReceipts)]
        case 2: return [ScenarioStep(at, .restart)]
        case 3: return [ScenarioStep(at, .unload(topic: nil))]
        case 4: return [ScenarioStep(at, .pause(milliseconds: Int.random(in: 100...3000, using: &random)))]
        case 5: return [ScenarioStep(at, .jumpClock(milliseconds: [-3_600_000, 3_600_000].randomElement(using: &random)!))]
        case 6: return [ScenarioStep(at, .cutConnections)]
        case 7: return [ScenarioStep(at, .setProxyEnabled(false)), ScenarioStep(later, .setProxyEnabled(true))]
        case 8:
            let stream = ToxicStream.allCases.randomElement(using: &random)!
            let kind: ToxicKind = [
                .latency(milliseconds: Int.random(in: 1...300, using: &random), jitter: Int.random(in: 0...50, using: &random)),
                .bandwidth(kilobytesPerSecond: Int.random(in: 1...20, using: &random)),
                .slicer(averageSize: 9, sizeVariation: 8, delayMicroseconds: Int.random(in: 0...500, using: &random)),
            ].randomElement(using: &random)!
            let name = "toxic-\(index)"
            return [ScenarioStep(at, .addToxic(Toxic(kind, stream: stream, name: name))), ScenarioStep(later, .removeToxic(name))]
        case 9: return [ScenarioStep(at, rule("lose-receipt", FrameMatch(commands: ["SEND_RECEIPT"]), .drop, count: count))]
        case 10:
            return [ScenarioStep(at, rule("slow-receipt", FrameMatch(commands: ["SEND_RECEIPT"]),
                                          .delay(milliseconds: Int.random(in: 10...2000, using: &random)), count: count))]
        case 11: return [ScenarioStep(at, rule("twice", FrameMatch(commands: ["SEND", "MESSAGE"]), .duplicate, count: count))]
        case 12: return [ScenarioStep(at, rule("swap", FrameMatch(commands: ["SEND_RECEIPT", "MESSAGE", "ACK"]), .reorderWithNext, count: count))]
        case 13:
            // SEND only: a client discards a MESSAGE whose checksum fails and acknowledges it with a validation error,
            // as Pulsar's Java client does, so a damaged MESSAGE is lost by design.
            return [ScenarioStep(at, rule("damage", FrameMatch(direction: .upstream, commands: ["SEND"]), .corruptChecksum, count: count))]
        case 14:
            return [ScenarioStep(at, rule("refuse", FrameMatch(commands: ["SEND", "PRODUCER", "SUBSCRIBE", "LOOKUP"]),
                                          .refuse(retryable.randomElement(using: &random)!), count: count))]
        case 15:
            let close: FrameAction = Bool.random(using: &random) ? .closeProducer : .closeConsumer
            return [ScenarioStep(at, rule("close", FrameMatch(commands: ["SEND", "FLOW", "ACK"]), close, count: 1))]
        default:
            let name = "quiet-\(index)"
            return [ScenarioStep(at, .addRule(.stopAnsweringPings(name: name))), ScenarioStep(later, .removeRule(name))]
        }
    }
}
