import PulsarSupport
import Synchronization

/// One run of a scenario inside a harness: the workload's producer loop and consumer, the steps, the recorder.
///
/// ```
///  execute ─▶ register consumer ─▶ make producer ─▶ send loop (task) ──▶ fire "afterSends" steps
///     │                                               time steps: sleepers on the virtual clock
///     ├─ until(sends ended, advancing time) ─▶ heal ─▶ until(every acknowledged send handled)
///     └─ HistoryChecker.check(recorder.snapshot)
/// ```
final class ScenarioRun: Sendable {
    private struct State {
        var timeline: ScenarioTimeline
        var sends = 0
        var sendLoopEnded = false
        var registration: PulsarConsumerRegistration?
        var replicas = 0
        var crashed = false
        var nacked: Set<Int> = []
        var stepErrors: [String] = []
    }

    let scenario: FaultScenario
    let seed: UInt64
    let harness: PulsarTestHarness
    let recorder = HistoryRecorder()
    private let state: Mutex<State>
    private let clock: ManualClock
    private let emulator: PulsarEmulator
    private static let producerName = "eventbus"

    init(scenario: FaultScenario, seed: UInt64, harness: PulsarTestHarness) throws {
        guard let clock = harness.clock, let emulator = harness.emulator else {
            throw PulsarTestHarnessError(.unsupportedOnExternalBroker, "scenarios run on the in-process emulator")
        }
        self.scenario = scenario
        self.seed = seed
        self.harness = harness
        self.clock = clock
        self.emulator = emulator
        state = Mutex(State(timeline: ScenarioTimeline(scenario.steps)))
    }

    private var workload: ScenarioWorkload { scenario.workload }

    func execute(timeout: Duration) async throws -> ScenarioResult {
        recorder.expectSubscription(workload.group, order: .perProducer)
        let registration = try await register()
        state.withLock { $0.registration = registration }
        let producer = try await harness.bus.makeProducer(topic: workload.topic, group: workload.group)
        let start = clock.instant
        let timers = scheduleTimeSteps(from: start)
        let sender = Task { await sendAll(producer, start: start) }
        var problem: String?
        do {
            try await harness.until("the workload's sends to end", timeout: timeout, advancingTime: true) {
                state.withLock { $0.sendLoopEnded }
            }
        } catch {
            problem = "\(error)"
        }
        sender.cancel()
        for timer in timers { timer.cancel() }
        let ruleFirings = harness.proxy?.ruleFirings ?? [:]
        heal()
        if problem == nil {
            do {
                try await harness.until("every acknowledged send to be handled", timeout: timeout, advancingTime: true) {
                    self.unhandledAcknowledgedSends.isEmpty
                }
            } catch {
                problem = "\(error)"
            }
        }
        if problem == nil { await sender.value }
        let (unfired, fired, stepErrors) = state.withLock { ($0.timeline.unfired, $0.timeline.fired.count, $0.stepErrors) }
        if problem == nil, let stepError = stepErrors.first { problem = "a step failed: \(stepError)" }
        let history = recorder.snapshot
        return ScenarioResult(scenario: scenario, seed: seed, check: HistoryChecker.check(history), history: history,
                              firedSteps: fired, unfiredSteps: unfired, ruleFirings: ruleFirings,
                              virtualDuration: .nanoseconds(clock.instant.nanoseconds - start.nanoseconds),
                              connections: harness.connectionsOpened, brokerFaults: emulator.faultReport, problem: problem)
    }

    // MARK: Steps

    private func fireDue(at instant: PulsarInstant? = nil, start: PulsarInstant) {
        let now = instant ?? clock.instant
        let due = state.withLock { state in
            state.timeline.due(sends: state.sends, elapsedMilliseconds: Int((now.nanoseconds - start.nanoseconds) / 1_000_000))
        }
        for step in due { apply(step.action) }
    }

    private func scheduleTimeSteps(from start: PulsarInstant) -> [Task<Void, Never>] {
        let times = Set(scenario.steps.compactMap { step -> Int? in
            if case .atMilliseconds(let milliseconds) = step.trigger { return milliseconds }
            return nil
        })
        return times.sorted().map { milliseconds in
            let deadline = start + .milliseconds(milliseconds)
            return Task { [clock] in
                do { try await clock.sleep(until: deadline) } catch { return }
                self.fireDue(at: deadline, start: start)
            }
        }
    }

    private func apply(_ action: ScenarioAction) {
        do {
            try perform(action)
        } catch {
            state.withLock { $0.stepErrors.append("\(action): \(error)") }
        }
    }

    private func perform(_ action: ScenarioAction) throws {
        let proxy = harness.proxy
        switch action {
        case .addToxic(let toxic): try proxy?.addToxic(toxic)
        case .removeToxic(let name): try proxy?.removeToxic(named: name)
        case .addRule(let rule): try proxy?.addRule(rule)
        case .removeRule(let name): try proxy?.removeRule(named: name)
        case .setProxyEnabled(let enabled): try proxy?.setEnabled(enabled)
        case .cutConnections:
            try proxy?.setEnabled(false)
            try proxy?.setEnabled(true)
        case .failNext(let operation, let error, let count, let topic):
            try emulator.failNext(operation, with: error, count: count, topic: topic)
        case .faultReceipts(let fault, let count, let topic): try emulator.faultReceipts(fault, count: count, topic: topic)
        case .releaseReceipts: emulator.releaseReceipts()
        case .unload(let topic): try emulator.unload(topic: topic ?? workload.topic)
        case .restart: emulator.restart()
        case .pause(let milliseconds): emulator.pause(for: milliseconds.map { .milliseconds($0) })
        case .resume: emulator.resume()
        case .jumpClock(let milliseconds): emulator.jumpClock(by: .milliseconds(milliseconds))
        case .clearBrokerFaults: emulator.clearFaults()
        }
    }

    /// Ends every fault, so what the workload sent can be delivered.
    private func heal() {
        if let proxy = harness.proxy {
            proxy.removeAllToxics()
            proxy.removeAllRules()
            try? proxy.setEnabled(true)
        }
        emulator.clearFaults()
    }

    // MARK: Producer

    /// Sends every batch, retrying a failed one as a service would, and fires "afterSends" steps: those due before a
    /// batch fire before it is handed over, those due within it right after (while it is in flight).
    private func sendAll(_ producer: PulsarEventProducer, start: PulsarInstant) async {
        let monitor = harness.monitor
        monitor.begin()
        defer {
            state.withLock { $0.sendLoopEnded = true }
            monitor.end()
        }
        var first = 0
        var batchIndex = 0
        while first < workload.messages {
            let numbers = Array(first..<min(first + workload.batchSize, workload.messages))
            let key = workload.keys > 0 ? "k\(batchIndex % workload.keys)" : nil
            fireDue(start: start)
            var attempt = 0
            while true {
                for number in numbers { recorder.send(ref(number), key: key) }
                let bodies = numbers.map { Array(String($0).utf8) }
                let send = Task { try await producer.batchSend(bodies, options: key.map { [.shardingKey($0)] } ?? []) }
                if attempt == 0 {
                    state.withLock { $0.sends = numbers.last! + 1 }
                    await Task.yield()
                    fireDue(start: start)
                }
                monitor.end()
                let outcome = await withTaskCancellationHandler { await send.result } onCancel: { send.cancel() }
                monitor.begin()
                let succeeded = (try? outcome.get()) != nil
                for number in numbers { recorder.sendCompleted(ref(number), succeeded ? .acknowledged : .failed) }
                attempt += 1
                if succeeded || attempt > workload.sendRetries || Task.isCancelled { break }
                guard await sleep(.milliseconds(100 * attempt)) else { return }
            }
            first += numbers.count
            batchIndex += 1
            if workload.sendGapMilliseconds > 0, first < workload.messages {
                guard await sleep(.milliseconds(workload.sendGapMilliseconds)) else { return }
            }
        }
    }

    /// Sleeps on the virtual clock, not counting as work in flight; false when cancelled.
    private func sleep(_ duration: Duration) async -> Bool {
        harness.monitor.end()
        defer { harness.monitor.begin() }
        do {
            try await clock.sleep(until: clock.instant + duration)
            return true
        } catch {
            return false
        }
    }

    private func ref(_ number: Int) -> History.MessageRef { History.MessageRef(producer: Self.producerName, number: number) }

    /// Acknowledged sends that no handler has acknowledged yet.
    private var unhandledAcknowledgedSends: [History.MessageRef] {
        let history = recorder.snapshot
        var acknowledged: Set<History.MessageRef> = []
        var handled: Set<History.MessageRef> = []
        for event in history.events {
            switch event {
            case .sendCompleted(let message, .acknowledged): acknowledged.insert(message)
            case .acknowledged(let message, _): handled.insert(message)
            default: break
            }
        }
        return acknowledged.subtracting(handled).sorted()
    }

    // MARK: Consumer

    private func register() async throws -> PulsarConsumerRegistration {
        let replica = state.withLock { state -> Int in
            state.replicas += 1
            return state.replicas
        }
        let name = "replica-\(replica)"
        return try await harness.bus.registerConsumer(topic: workload.topic, group: workload.group) { message in
            try await self.handle(message, consumer: name)
        }
    }

    private func handle(_ message: EventMessage, consumer: String) async throws {
        guard let number = Int(message.string) else { return }
        let ref = ref(number)
        recorder.delivered(ref, subscription: workload.group, consumer: consumer, redelivered: message.redeliveryCount > 0)
        if workload.handlerMilliseconds > 0 {
            // The bus counts a running handler as work in flight; the time it takes is a timer to play out.
            harness.monitor.end()
            defer { harness.monitor.begin() }
            try await clock.sleep(until: clock.instant + .milliseconds(workload.handlerMilliseconds))
        }
        if number == workload.crashAt, state.withLock({ state in defer { state.crashed = true }; return !state.crashed }) {
            harness.monitor.begin()
            Task {
                await self.replaceCrashedConsumer()
                self.harness.monitor.end()
            }
            harness.monitor.end()
            defer { harness.monitor.begin() }
            try? await clock.sleep(until: clock.instant + .seconds(3600))
            throw CancellationError()
        }
        if workload.nackEvery > 0, number % workload.nackEvery == 0, state.withLock({ $0.nacked.insert(number).inserted }) {
            throw ScenarioHandlerFailure()
        }
        recorder.acknowledged(ref, subscription: workload.group)
    }

    /// The replica that crashed stops at once (its message is neither acknowledged nor nacked); another registers.
    /// Registration is retried (a second apart, in virtual time) as a service's replica would on start-up, while a
    /// fault refuses it.
    private func replaceCrashedConsumer() async {
        let crashed = state.withLock { $0.registration }
        await crashed?.stop(deadline: .zero)
        for attempt in 1...30 {
            do {
                let replacement = try await register()
                state.withLock { $0.registration = replacement }
                return
            } catch {
                if attempt == 30 {
                    state.withLock { $0.stepErrors.append("the replacement consumer did not register: \(error)") }
                } else if !(await sleep(.seconds(1))) {
                    return
                }
            }
        }
    }
}

/// The failure a scenario's handler reports to make the bus nack a message.
struct ScenarioHandlerFailure: Error {}
