import PulsarWire
import Synchronization

/// A caller suspended in `receive`.
struct ReceiveWaiter: Equatable, Sendable {
    let id: UInt64
    let continuation: CheckedContinuation<Message, any Error>

    static func == (lhs: ReceiveWaiter, rhs: ReceiveWaiter) -> Bool { lhs.id == rhs.id }
}

/// One topic (or partition) a consumer reads.
struct ConsumerSource: Sendable, Equatable {
    /// The topic or partition name.
    var topic: String
    /// The partition index, or -1.
    var partition: Int32
}

/// The driver of one consumer over its sources: the only place that turns its state machine's actions into I/O.
/// It subscribes each source, re-subscribes after the connection drops or the broker closes the consumer,
/// decodes messages, and resumes callers waiting in `receive`.
final class ConsumerCore: Sendable, ConsumerConnectionListener, Tickable {
    typealias Machine = ConsumerStateMachine<ReceiveWaiter>

    /// How a consumer is set up (readers are non-durable Exclusive consumers with a start position).
    struct Setup: Sendable {
        var subscription: String
        var sources: [ConsumerSource]
        var options: ConsumerOptions
        var durable = true
        var readerStart: MessageID?
        var readerStartInclusive = false
        var deadLetterTopic: String?
        var retryLetterTopic: String?
    }

    struct State {
        var machine: Machine
        var connections: [Connection?]
        var reconnecting: [Bool]
        /// A SEEK is in flight: re-subscribing waits for its answer, so that the queue is cleared of the old
        /// position before messages from the new one arrive.
        var seeking: [Bool]
        var reconnectAfterSeek: [Bool]
        var backoffs: [Backoff]
        var closed = false
        var awaitingRegistration: Set<UInt64> = []
        var cancelledBeforeRegistration: Set<UInt64> = []
        var nextWaiterId: UInt64 = 0
        var reported = ReportedDeadline()
    }

    let setup: Setup
    let consumerName: String
    let consumerIds: [UInt64]
    let core: ClientCore
    let state: Mutex<State>
    let deadLetters: DeadLetterProducers
    private let indexByConsumerId: [UInt64: Int]

    init(setup: Setup, core: ClientCore) {
        self.setup = setup
        self.core = core
        consumerName = setup.options.consumerName ?? Self.randomName()
        let ids = setup.sources.map { _ in core.makeConsumerId() }
        consumerIds = ids
        indexByConsumerId = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let options = setup.options
        var machine = Machine(configuration: Machine.Configuration(
            subscriptionType: options.subscriptionType, receiverQueueSize: options.receiverQueueSize,
            ackGroupingInterval: options.ackGroupingInterval, ackGroupingMaxSize: options.ackGroupingMaxSize,
            nackRedeliveryDelay: options.nackRedeliveryDelay, ackTimeout: options.ackTimeout,
            maxRedeliverCount: options.deadLetterPolicy?.maxRedeliverCount,
            batchIndexAcknowledgment: options.batchIndexAcknowledgment, sourceCount: setup.sources.count))
        if let start = setup.readerStart, start != .earliest, start != .latest {
            for index in setup.sources.indices {
                machine.setStart(source: index, at: start, inclusive: setup.readerStartInclusive)
            }
        }
        let count = setup.sources.count
        state = Mutex(State(machine: machine, connections: Array(repeating: nil, count: count),
                            reconnecting: Array(repeating: false, count: count),
                            seeking: Array(repeating: false, count: count),
                            reconnectAfterSeek: Array(repeating: false, count: count),
                            backoffs: (0..<count).map { _ in core.makeBackoff() }))
        deadLetters = DeadLetterProducers(core: core, deadLetterTopic: setup.deadLetterTopic,
                                          retryLetterTopic: setup.retryLetterTopic,
                                          initialSubscription: setup.options.deadLetterPolicy?.initialSubscriptionName)
    }

    /// Runs `body` under the lock, then tells the timer about a deadline the machine now has that it does not know
    /// yet (a nack, an ack timeout, grouped acknowledgements).
    func withMachine<R>(_ body: @Sendable (inout State) throws -> R) rethrows -> R {
        let (result, deadline) = try state.withLock { state in
            let result = try body(&state)
            return (result, state.reported.report(state.machine.nextDeadline))
        }
        if let deadline { core.timer.schedule(self, at: deadline) }
        return result
    }

    static func randomName() -> String {
        String((0..<10).map { _ in "0123456789abcdef".randomElement()! })
    }

    /// Subscribes every source (in parallel), retrying transient failures until the operation timeout.
    func subscribeAll() async throws {
        core.timer.register(self)
        do {
            try await subscribeEverySource()
        } catch {
            core.timer.unregister(self)
            throw error
        }
    }

    private func subscribeEverySource() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in setup.sources.indices {
                group.addTask {
                    try await self.core.retrying("subscribing to \(self.setup.sources[index].topic)") {
                        try await self.establish(index)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Lookup, connection, SUBSCRIBE, then FLOW.
    private func establish(_ index: Int) async throws {
        let source = setup.sources[index]
        let location = try await core.lookup.lookup(topic: source.topic)
        let connection = try await core.pool.connection(to: location.logical, via: location.physical)
        guard connection.register(consumer: consumerIds[index], self) else {
            throw PulsarClientError(.connectionClosed, "the connection to \(connection.address) closed", topic: source.topic)
        }
        let start = state.withLock { state -> MessageID? in
            state.connections[index] = connection
            return setup.durable ? nil : (state.machine.startPositionForSubscribe(source: index) ?? setup.readerStart)
        }
        let request = subscribeCommand(index, start: start)
        let response: Command
        do {
            response = try await connection.request("SUBSCRIBE to \(source.topic)") { id in
                var command = request
                command.requestId = id
                return .subscribe(command)
            }
        } catch {
            connection.unregister(consumer: consumerIds[index])
            state.withLock { state in if state.connections[index] === connection { state.connections[index] = nil } }
            throw (error as? PulsarClientError)?.with(topic: source.topic) ?? error
        }
        guard case .success = response else {
            throw PulsarClientError(.protocolError, "expected SUCCESS, got \(response.type)", topic: source.topic)
        }
        let now = core.clock.instant
        let (actions, connections) = try withMachine { state -> ([Machine.Action], [Connection?]) in
            guard !state.closed, state.connections[index] === connection, connection.closeError == nil else {
                throw PulsarClientError(.connectionClosed, "the connection closed while subscribing", topic: source.topic)
            }
            state.backoffs[index].reset()
            return (state.machine.sourceConnected(index, now: now), state.connections)
        }
        run(actions, connections: connections)
        core.logger.debug("consumer \(consumerName) subscribed to \(source.topic) as \(setup.subscription)"
                          + (start.map { " from \($0)" } ?? ""))
    }

    private func subscribeCommand(_ index: Int, start: MessageID?) -> CommandSubscribe {
        let options = setup.options
        var keyShared: KeySharedMeta?
        if options.subscriptionType == .keyShared {
            keyShared = KeySharedMeta(keySharedMode: .autoSplit, allowOutOfOrderDelivery: options.keySharedAllowOutOfOrderDelivery)
        }
        return CommandSubscribe(
            topic: setup.sources[index].topic, subscription: setup.subscription, subType: options.subscriptionType,
            consumerId: consumerIds[index], requestId: 0, consumerName: consumerName, priorityLevel: options.priorityLevel,
            durable: setup.durable, startMessageId: setup.durable ? nil : (start ?? .latest).fullData,
            metadata: MessageEncoder.keyValues(options.properties), readCompacted: options.readCompacted,
            initialPosition: options.initialPosition, replicateSubscriptionState: false, keySharedMeta: keyShared,
            subscriptionProperties: MessageEncoder.keyValues(options.subscriptionProperties))
    }

    // MARK: Connection events

    func messageReceived(_ message: CommandMessage, entry: MessageEntry?, checksumValid: Bool) {
        guard let index = indexByConsumerId[message.consumerId] else { return }
        let source = setup.sources[index]
        core.logger.debug("MESSAGE \(message.messageId.ledgerId):\(message.messageId.entryId) redelivery \(message.redeliveryCount) on \(source.topic)")
        let entryKey = EntryKey(ledgerId: Int64(bitPattern: message.messageId.ledgerId),
                                entryId: Int64(bitPattern: message.messageId.entryId))
        let decoded: Result<[Message], MessageDecoder.Failure>
        if let entry, checksumValid {
            decoded = MessageDecoder.decode(message, entry: entry, topic: source.topic, partition: source.partition, source: index)
        } else {
            let count = (try? entry?.metadata()).flatMap { $0.hasNumMessagesInBatch ? Int($0.numMessagesInBatch) : 1 } ?? 1
            decoded = .failure(MessageDecoder.Failure(
                reason: entry == nil ? .batchDeserializeError : .checksumMismatch, messageCount: count,
                message: entry == nil ? "MESSAGE without an entry" : "the entry's CRC32C does not match"))
        }
        let now = core.clock.instant
        let (actions, connections) = withMachine { state -> ([Machine.Action], [Connection?]) in
            switch decoded {
            case .success(let messages):
                return (state.machine.entryReceived(messages, source: index, brokerAckSet: message.ackSet, now: now),
                        state.connections)
            case .failure(let failure):
                return (state.machine.corruptEntryReceived(source: index, entry: entryKey, messageCount: failure.messageCount,
                                                           reason: failure.reason), state.connections)
            }
        }
        if case .failure(let failure) = decoded {
            core.logger.warning("skipped corrupt entry \(entryKey.ledgerId):\(entryKey.entryId) on \(source.topic): \(failure.message)")
            setup.options.corruptMessageHandler?(PulsarClientError(
                .corruptMessage, "entry \(entryKey.ledgerId):\(entryKey.entryId): \(failure.message)", topic: source.topic))
        }
        run(actions, connections: connections)
    }

    func closedByBroker(_ connection: Connection, consumerId: UInt64) {
        guard let index = indexByConsumerId[consumerId] else { return }
        core.logger.info("the broker closed consumer \(consumerName) on \(setup.sources[index].topic); re-subscribing")
        lost(index, connection: connection)
    }

    func connectionClosed(_ connection: Connection, error: PulsarClientError) {
        let indices = state.withLock { state in state.connections.indices.filter { state.connections[$0] === connection } }
        for index in indices {
            core.logger.info("consumer on \(setup.sources[index].topic) lost its connection (\(error)); re-subscribing")
            lost(index, connection: connection)
        }
    }

    private func lost(_ index: Int, connection: Connection) {
        let reconnect = state.withLock { state -> Bool in
            guard state.connections[index] === connection else { return false }
            state.connections[index] = nil
            state.machine.sourceDisconnected(index)
            if state.seeking[index] {
                state.reconnectAfterSeek[index] = true
                return false
            }
            return Self.claimReconnect(&state, index)
        }
        if reconnect { core.runCounted { await self.reconnectLoop(index) } }
    }

    /// Marks `index` as reconnecting; false if it already is (or the consumer is closed).
    static func claimReconnect(_ state: inout State, _ index: Int) -> Bool {
        guard !state.closed, !state.reconnecting[index] else { return false }
        state.reconnecting[index] = true
        return true
    }

    /// Starts re-subscribing `index` (after a seek that disconnected it).
    func reconnect(_ index: Int) {
        core.runCounted { await self.reconnectLoop(index) }
    }

    private func reconnectLoop(_ index: Int) async {
        while true {
            let (delay, closed) = state.withLock { ($0.backoffs[index].next(), $0.closed) }
            if closed { break }
            try? await core.sleepIdle(for: delay)
            do {
                if state.withLock({ $0.closed }) { break }
                try await establish(index)
            } catch let error as PulsarClientError where !error.isRetryableOnReconnect {
                core.logger.error("consumer on \(setup.sources[index].topic) cannot re-subscribe: \(error)")
                let (actions, connections) = state.withLock { ($0.machine.closed(error), $0.connections) }
                run(actions, connections: connections)
                break
            } catch {
                core.logger.info("re-subscribing to \(setup.sources[index].topic) failed: \(error)")
                continue
            }
            let done = state.withLock { state -> Bool in
                guard state.connections[index] != nil || state.closed else { return false }
                state.reconnecting[index] = false
                return true
            }
            if done { return }
        }
        state.withLock { $0.reconnecting[index] = false }
    }

    func tick(now: PulsarInstant) -> PulsarInstant? {
        let (actions, connections, next) = state.withLock { state in
            let actions = state.machine.tick(now: now)
            return (actions, state.connections, state.reported.ticked(state.machine.nextDeadline))
        }
        if !actions.isEmpty { run(actions, connections: connections) }
        return next
    }

    // MARK: Actions

    /// The one place that turns the consumer's actions into I/O.
    func run(_ actions: [Machine.Action], connections: [Connection?]) {
        for action in actions {
            switch action {
            case .deliver(let message, let waiter):
                core.activity?.begin()  // until `receive` returns it (the waiter's task is not running yet)
                waiter.continuation.resume(returning: message)
            case .fail(let waiter, let error):
                waiter.continuation.resume(throwing: error)
            case .flow(let source, let permits):
                connections[source]?.send(.flow(CommandFlow(consumerId: consumerIds[source], messagePermits: permits)))
            case .acknowledge(let source, let type, let ids):
                connections[source]?.send(.ack(CommandAck(consumerId: consumerIds[source], ackType: type, messageId: ids)))
            case .acknowledgeCorrupt(let source, let id, let reason):
                connections[source]?.send(.ack(CommandAck(consumerId: consumerIds[source], ackType: .individual,
                                                          messageId: [id], validationError: reason)))
            case .redeliver(let source, let ids):
                connections[source]?.send(.redeliverUnacknowledgedMessages(
                    CommandRedeliverUnacknowledgedMessages(consumerId: consumerIds[source], messageIds: ids)))
            case .deadLetter(let messages):
                core.runCounted { await self.deadLetter(messages) }
            }
        }
    }
}
