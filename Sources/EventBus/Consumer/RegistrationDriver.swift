import PulsarSupport
import Synchronization

/// The one I/O driver of a registration: receives messages, starts handlers as the ``HandlerScheduler`` allows,
/// acknowledges, retries or dead-letters, and stops. Each handler runs in a task of its own, so ``stop(deadline:)``
/// can stop receiving first and cancel handlers only when the deadline passes.
final class RegistrationDriver: Sendable {
    let monitor: RegistrationMonitor
    private let client: PulsarClient
    private let consumer: Consumer
    private let handler: any ConsumerHandler
    private let options: EventConsumerOptions
    private let sleeper: EventBusSleeper
    private let logger: PulsarLogger
    /// Told that a received message is in hand until its outcome is settled (a test harness waits for that).
    private let activity: ActivityMonitor?

    private struct State {
        var scheduler: HandlerScheduler<Message>
        var roomWaiter: CheckedContinuation<Bool, Never>?
        var handlers: [UInt64: Task<Void, Never>] = [:]
        var nextHandler: UInt64 = 0
        var stopping = false
        var cancelledByStop: Set<UInt64> = []
        var loop: Task<Void, Never>?
        var stop: Task<Void, Never>?
    }

    private let state: Mutex<State>

    init(client: PulsarClient, consumer: Consumer, handler: any ConsumerHandler, options: EventConsumerOptions,
         monitor: RegistrationMonitor, sleeper: EventBusSleeper, logger: PulsarLogger, activity: ActivityMonitor? = nil) {
        self.activity = activity
        self.client = client
        self.consumer = consumer
        self.handler = handler
        self.options = options
        self.monitor = monitor
        self.sleeper = sleeper
        self.logger = logger
        state = Mutex(State(scheduler: HandlerScheduler(limit: options.concurrency)))
    }

    /// Starts the receive loop.
    func start() {
        state.withLock { state in state.loop = Task { await self.receiveLoop() } }
    }

    // MARK: Receiving

    private func receiveLoop() async {
        var failures = 0
        while await waitForRoom() {
            let message: Message
            do {
                message = try await receive()
            } catch {
                if Task.isCancelled || isStopping { return }
                if let error = error as? PulsarClientError, error.code == .alreadyClosed {
                    logger.warning("EventBus: the consumer of \(monitor.topic)/\(monitor.group) was closed; no more messages")
                    return
                }
                failures += 1
                let delay = options.receiveErrorBackoff.delay(attempt: failures)
                logger.warning("EventBus: receive on \(monitor.topic)/\(monitor.group) failed (\(error)); retrying in \(delay)")
                monitor.record(.receiveFailed, error: error)
                do { try await sleeper.sleep(delay) } catch { return }
                continue
            }
            failures = 0
            activity?.begin()  // ended once the message's outcome is settled (or it is abandoned)
            monitor.record(.received, message: message)
            admit(message)
        }
    }

    private func receive() async throws -> Message {
        let consumer = consumer
        guard let interceptor = options.receiveInterceptor else { return try await consumer.receive() }
        return try await interceptor { try await consumer.receive() }
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    /// Waits until the scheduler has room for another message; false once stopping.
    private func waitForRoom() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let answer = state.withLock { state -> Bool? in
                if state.stopping { return false }
                if state.scheduler.hasRoom { return true }
                state.roomWaiter = continuation
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    private func admit(_ message: Message) {
        let abandoned = state.withLock { state -> Bool in
            guard !state.stopping else { return true }
            if let ready = state.scheduler.admit(message, key: message.key) { startHandler(ready, state: &state) }
            return false
        }
        if abandoned {
            monitor.record(.abandoned, message: message)
            activity?.end()
        }
    }

    // MARK: Handling

    private func startHandler(_ message: Message, state: inout State) {
        let id = state.nextHandler
        state.nextHandler += 1
        state.handlers[id] = Task { await self.handle(message, id: id) }
    }

    private func handle(_ message: Message, id: UInt64) async {
        monitor.record(.started, message: message, runningDelta: 1)
        let event = EventMessage(message, topic: monitor.topic, group: monitor.group)
        do {
            try await handler.handleMessage(event)
            do {
                try consumer.acknowledge(message)
            } catch {
                logger.warning("EventBus: acknowledging \(message.messageID) on \(monitor.topic)/\(monitor.group) failed: \(error)")
            }
            monitor.record(.handled, message: message, runningDelta: -1)
        } catch {
            if wasCancelledByStop(id) {
                monitor.record(.abandoned, message: message, runningDelta: -1)
            } else {
                logger.warning("EventBus: handling \(message.messageID) on \(monitor.topic)/\(monitor.group) failed: \(error)")
                monitor.record(.failed, message: message, error: error)
                await settleFailure(message, id: id)
            }
        }
        finished(message, id: id)
    }

    /// Retries, dead-letters or negatively acknowledges a message whose handler failed.
    private func settleFailure(_ message: Message, id: UInt64) async {
        switch FailurePlan.decide(retries: FailurePlan.retries(of: message), policy: options.retry) {
        case .negativeAcknowledge:
            try? consumer.negativeAcknowledge(message)
            monitor.record(.retried, message: message, runningDelta: -1)
        case .retry(_, let delay):
            do {
                // The backoff is a timer a harness plays out, not work in flight.
                activity?.end()
                defer { activity?.begin() }
                try await sleeper.sleep(delay)
            } catch {
                monitor.record(.abandoned, message: message, runningDelta: -1)
                return
            }
            await reconsume(message, delay: delay, outcome: .retried)
        case .deadLetter:
            await reconsume(message, delay: .zero, outcome: .deadLettered)
        }
    }

    /// `reconsumeLater`: the client publishes to the retry- or dead-letter topic (by the same count) and acknowledges.
    /// If that fails, the message is negatively acknowledged instead, so it is not lost.
    private func reconsume(_ message: Message, delay: Duration, outcome: EventBusEvent.Kind) async {
        do {
            try await consumer.reconsumeLater(message, delay: delay)
            monitor.record(outcome, message: message, runningDelta: -1)
        } catch {
            logger.warning("EventBus: sending \(message.messageID) to the retry/dead-letter topic failed (\(error)); negatively acknowledging it")
            try? consumer.negativeAcknowledge(message)
            monitor.record(.retried, message: message, runningDelta: -1)
        }
    }

    private func wasCancelledByStop(_ id: UInt64) -> Bool {
        state.withLock { $0.cancelledByStop.contains(id) }
    }

    private func finished(_ message: Message, id: UInt64) {
        defer { activity?.end() }
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.handlers[id] = nil
            state.cancelledByStop.remove(id)
            if let next = state.scheduler.finish(key: message.key) { startHandler(next, state: &state) }
            guard state.scheduler.hasRoom, let waiter = state.roomWaiter else { return nil }
            state.roomWaiter = nil
            return waiter
        }
        waiter?.resume(returning: true)
    }

    // MARK: Stopping

    /// Stops the registration (see ``ConsumerRegistration/stop(deadline:)``); later calls wait for the first.
    func stop(deadline: Duration) async {
        let task = state.withLock { state -> Task<Void, Never> in
            if let stop = state.stop { return stop }
            let stop = Task { await self.performStop(deadline: deadline) }
            state.stop = stop
            return stop
        }
        await task.value
    }

    private func performStop(deadline: Duration) async {
        let (waiter, loop) = state.withLock { state in
            state.stopping = true
            defer { state.roomWaiter = nil }
            return (state.roomWaiter, state.loop)
        }
        monitor.record(.stopping)
        waiter?.resume(returning: false)
        loop?.cancel()
        await loop?.value
        let parked = state.withLock { $0.scheduler.drainParked() }
        for message in parked {
            monitor.record(.abandoned, message: message)
            activity?.end()
        }
        await waitForHandlers(deadline: deadline)
        await consumer.close()
        await client.close()
        monitor.finish()
    }

    /// Waits for the running handlers; those still running after `deadline` are cancelled, then awaited.
    private func waitForHandlers(deadline: Duration) async {
        let running = state.withLock { Array($0.handlers.values) }
        guard !running.isEmpty else { return }
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for handler in running { await handler.value }
                return true
            }
            group.addTask {
                do { try await Task.sleep(for: deadline) } catch { return true }
                return false
            }
            if await group.next() == false {
                let late = state.withLock { state in
                    state.cancelledByStop.formUnion(state.handlers.keys)
                    return Array(state.handlers.values)
                }
                logger.warning("EventBus: \(late.count) handler(s) of \(monitor.topic)/\(monitor.group) still running after \(deadline); cancelling them")
                for handler in late { handler.cancel() }
            }
            group.cancelAll()
        }
    }
}
