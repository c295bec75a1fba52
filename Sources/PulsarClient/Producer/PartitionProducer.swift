import PulsarWire
import Synchronization

/// The driver of one producer on one topic (or partition): the only place that turns its state machine's actions
/// into I/O. It creates the producer on the broker, re-creates it after the connection drops (resending what was not
/// acknowledged, in order), and settles each message's completion.
final class PartitionProducer: Sendable, ProducerConnectionListener, Tickable {
    typealias Machine = ProducerStateMachine<SendCompletion>

    private struct State {
        var machine: Machine
        var connection: Connection?
        var epoch: UInt64 = 0
        var topicEpoch: UInt64?
        var reconnecting = false
        var closed = false
        var backoff: Backoff
        var reported = ReportedDeadline()

        /// The machine's next deadline, if the timer does not know it yet (called with the lock held).
        mutating func deadlineToReport() -> PulsarInstant? { reported.report(machine.nextDeadline) }
    }

    let topic: String
    let producerId: UInt64
    private let core: ClientCore
    private let options: ProducerOptions
    private let state: Mutex<State>

    init(topic: String, partition: Int32, core: ClientCore, options: ProducerOptions) {
        self.topic = topic
        self.core = core
        self.options = options
        let producerId = core.makeProducerId()
        self.producerId = producerId
        let configuration = Machine.Configuration(
            producerId: producerId, partition: partition, batchingEnabled: options.batchingEnabled,
            batchingMaxMessages: options.batchingMaxMessages, batchingMaxBytes: options.batchingMaxBytes,
            batchingMaxPublishDelay: options.batchingMaxPublishDelay, compression: options.compression,
            sendTimeout: options.sendTimeout, maxPendingMessages: options.maxPendingMessages,
            blockIfQueueFull: options.blockIfQueueFull, initialSequenceId: options.initialSequenceId)
        state = Mutex(State(machine: Machine(configuration: configuration), backoff: core.makeBackoff()))
    }

    /// Tells the timer about a deadline the last operation created.
    private func schedule(_ deadline: PulsarInstant?) {
        if let deadline { core.timer.schedule(self, at: deadline) }
    }

    /// The producer's name (the broker's choice when none was given).
    var name: String { state.withLock { $0.machine.producerName ?? options.name ?? "" } }

    /// Creates the producer on the broker, retrying transient failures until the operation timeout.
    func create() async throws {
        core.timer.register(self)
        do {
            try await core.retrying("creating a producer on \(topic)") { try await self.establish() }
        } catch {
            core.timer.unregister(self)
            throw error
        }
    }

    /// Lookup, connection, PRODUCER; on success the state machine resends whatever is pending.
    private func establish() async throws {
        let location = try await core.lookup.lookup(topic: topic)
        let connection = try await core.pool.connection(to: location.logical, via: location.physical)
        guard connection.register(producer: producerId, self) else {
            throw PulsarClientError(.connectionClosed, "the connection to \(connection.address) closed", topic: topic)
        }
        let (name, epoch, topicEpoch) = state.withLock { state in
            state.connection = connection
            return (state.machine.producerName ?? options.name, state.epoch, state.topicEpoch)
        }
        let command = CommandProducer(
            topic: topic, producerId: producerId, requestId: 0, producerName: name, encrypted: false,
            metadata: MessageEncoder.keyValues(options.properties), epoch: epoch,
            userProvidedProducerName: options.name != nil, producerAccessMode: options.accessMode,
            topicEpoch: topicEpoch, initialSubscriptionName: options.initialSubscriptionName)
        let response: Command
        do {
            response = try await connection.request("PRODUCER on \(topic)") { id in
                var request = command
                request.requestId = id
                return .producer(request)
            }
        } catch {
            connection.unregister(producer: producerId)
            state.withLock { state in if state.connection === connection { state.connection = nil } }
            throw (error as? PulsarClientError)?.with(topic: topic) ?? error
        }
        guard case .producerSuccess(let success) = response else {
            throw PulsarClientError(.protocolError, "expected PRODUCER_SUCCESS, got \(response.type)", topic: topic)
        }
        let actions = try state.withLock { state -> [Machine.Action] in
            guard !state.closed, state.connection === connection, connection.closeError == nil else {
                throw PulsarClientError(.connectionClosed, "the connection closed while creating the producer", topic: topic)
            }
            state.epoch += 1
            if success.hasTopicEpoch { state.topicEpoch = success.topicEpoch }
            state.backoff.reset()
            return stage(state.machine.producerCreated(name: success.producerName, lastSequenceId: success.lastSequenceId,
                                                       maxMessageSize: connection.maxMessageSize), on: connection)
        }
        connection.outbox.flush()
        run(actions, connection: connection)
        core.logger.debug("producer \(success.producerName) ready on \(topic) via \(connection.address)")
    }

    // MARK: Sending

    /// Hands a message to the state machine; `sendNow` closes the open batch at once (a synchronous send).
    func enqueue(_ message: OutgoingMessage, completion: SendCompletion, sendNow: Bool) -> Machine.EnqueueOutcome {
        let now = core.clock.instant
        let (outcome, actions, connection, deadline) = state.withLock { state in
            var (outcome, actions) = state.machine.enqueue(message, token: completion, now: now)
            if sendNow, outcome == .accepted { actions += state.machine.sendBatchNow() }
            return (outcome, stage(actions, on: state.connection), state.connection, state.deadlineToReport())
        }
        schedule(deadline)
        connection?.outbox.flush()
        run(actions, connection: connection)
        return outcome
    }

    /// Sends the open batch and waits until everything enqueued so far is settled.
    func flush() async throws {
        let token = SendCompletion()
        let (actions, connection) = state.withLock { state in
            (stage(state.machine.flush(token: token), on: state.connection), state.connection)
        }
        connection?.outbox.flush()
        run(actions, connection: connection)
        _ = try await token.messageID()
    }

    // MARK: Connection events

    func receiptReceived(_ receipt: CommandSendReceipt) {
        let now = core.clock.instant
        let (actions, connection, deadline) = state.withLock { state in
            (stage(state.machine.receiptReceived(receipt, now: now), on: state.connection), state.connection, state.deadlineToReport())
        }
        schedule(deadline)
        connection?.outbox.flush()
        run(actions, connection: connection)
    }

    func sendErrorReceived(_ error: CommandSendError) {
        core.logger.warning("SEND_ERROR on \(topic): \(error.error) \(error.message)")
        let now = core.clock.instant
        let (actions, connection, deadline) = state.withLock { state in
            (stage(state.machine.sendErrorReceived(error, now: now), on: state.connection), state.connection, state.deadlineToReport())
        }
        schedule(deadline)
        connection?.outbox.flush()
        run(actions, connection: connection)
    }

    func closedByBroker(_ connection: Connection) {
        core.logger.info("the broker closed producer \(producerId) on \(topic); re-creating it")
        connectionLost(connection)
    }

    func connectionClosed(_ connection: Connection, error: PulsarClientError) {
        core.logger.info("producer on \(topic) lost its connection (\(error)); reconnecting")
        connectionLost(connection)
    }

    func tick(now: PulsarInstant) -> PulsarInstant? {
        let (actions, connection, next) = state.withLock { state in
            let actions = stage(state.machine.tick(now: now), on: state.connection)
            return (actions, state.connection, state.reported.ticked(state.machine.nextDeadline))
        }
        connection?.outbox.flush()
        if !actions.isEmpty { run(actions, connection: connection) }
        return next
    }

    private func connectionLost(_ connection: Connection) {
        let reconnect = state.withLock { state -> Bool in
            guard state.connection === connection else { return false }
            state.connection = nil
            state.machine.connectionLost()
            guard !state.closed, !state.reconnecting else { return false }
            state.reconnecting = true
            return true
        }
        if reconnect { core.runCounted { await self.reconnectLoop() } }
    }

    /// Re-creates the producer with backoff until it works, the producer is closed, or an error says it never will.
    private func reconnectLoop() async {
        while true {
            let (delay, closed) = state.withLock { ($0.backoff.next(), $0.closed) }
            if closed { break }
            try? await core.sleepIdle(for: delay)
            do {
                if state.withLock({ $0.closed }) { break }
                try await establish()
            } catch let error as PulsarClientError where !error.isRetryableOnReconnect {
                core.logger.error("producer on \(topic) cannot be re-created: \(error)")
                let actions = state.withLock { $0.machine.closed(error) }
                run(actions, connection: nil)
                break
            } catch {
                core.logger.info("re-creating the producer on \(topic) failed: \(error)")
                continue
            }
            let done = state.withLock { state -> Bool in
                if state.connection != nil || state.closed {
                    state.reconnecting = false
                    return true
                }
                return false
            }
            if done { return }
        }
        state.withLock { $0.reconnecting = false }
    }

    // MARK: Closing

    /// Flushes (bounded by the operation timeout), closes the producer on the broker and fails what is left.
    func close() async {
        let deadline = Task { [core] in
            try await core.clock.sleep(for: core.configuration.operationTimeout)
            self.fail(PulsarClientError(.timeout, "the producer on \(self.topic) could not flush before closing"))
        }
        try? await flush()
        deadline.cancel()
        let (connection, actions) = state.withLock { state -> (Connection?, [Machine.Action]) in
            state.closed = true
            defer { state.connection = nil }
            return (state.connection, state.machine.closed(PulsarClientError.closed("the producer")))
        }
        run(actions, connection: nil)
        core.timer.unregister(self)
        if let connection {
            connection.unregister(producer: producerId)
            _ = try? await connection.request("CLOSE_PRODUCER on \(topic)") { id in
                .closeProducer(CommandCloseProducer(producerId: producerId, requestId: id))
            }
        }
    }

    private func fail(_ error: PulsarClientError) {
        let actions = state.withLock { $0.machine.closed(error) }
        run(actions, connection: nil)
    }

    // MARK: Actions

    /// Queues the machine's writes on `connection` (called with the lock held, so frames keep their order) and
    /// returns the other actions, to run once the lock is released.
    private func stage(_ actions: [Machine.Action], on connection: Connection?) -> [Machine.Action] {
        var rest: [Machine.Action] = []
        for action in actions {
            if case .write(let frame) = action {
                connection?.outbox.append(frame)
            } else {
                rest.append(action)
            }
        }
        return rest
    }

    /// The one place that settles completions and acts on the connection.
    private func run(_ actions: [Machine.Action], connection: Connection?) {
        for action in actions {
            switch action {
            case .write:
                break  // staged under the lock
            case .accepted(let token):
                token.accept()
            case .succeed(let completions):
                for completion in completions { completion.token.complete(.success(completion.messageID)) }
            case .fail(let tokens, let error):
                let failure = error.with(topic: topic)
                for token in tokens { token.complete(.failure(failure)) }
            case .flushed(let token):
                token.complete(.success(.earliest))
            case .closeConnection(let error):
                core.logger.warning("producer on \(topic): \(error); reconnecting")
                connection?.close(error)
            }
        }
    }
}
