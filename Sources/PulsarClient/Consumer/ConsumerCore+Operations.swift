import PulsarWire

extension ConsumerCore {
    // MARK: Receiving

    /// The next message: at once if one is queued, else when one arrives.
    ///
    /// - Throws: ``PulsarClientError/Code/alreadyClosed`` once closed, ``PulsarClientError/Code/cancelled`` if the
    ///   task is cancelled while waiting.
    func receive() async throws -> Message {
        let now = core.clock.instant
        let (polled, actions, connections, waiterId) = try withMachine { state in
            if state.closed { throw PulsarClientError.closed("the consumer") }
            let (message, actions) = state.machine.poll(now: now)
            var waiterId: UInt64 = 0
            if message == nil {
                waiterId = state.nextWaiterId
                state.nextWaiterId += 1
                state.awaitingRegistration.insert(waiterId)
            }
            return (message, actions, state.connections, waiterId)
        }
        if let polled {
            if !actions.isEmpty { run(actions, connections: connections) }
            return polled
        }
        let message = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let waiter = ReceiveWaiter(id: waiterId, continuation: continuation)
                let now = core.clock.instant
                let (actions, connections, cancelled) = withMachine { state in
                    state.awaitingRegistration.remove(waiterId)
                    if state.cancelledBeforeRegistration.remove(waiterId) != nil { return ([Machine.Action](), [Connection?](), true) }
                    return (state.machine.receive(waiter, now: now), state.connections, false)
                }
                if cancelled {
                    continuation.resume(throwing: PulsarClientError(.cancelled, "receive was cancelled"))
                } else {
                    run(actions, connections: connections)
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> ReceiveWaiter? in
                if state.awaitingRegistration.contains(waiterId) {
                    state.cancelledBeforeRegistration.insert(waiterId)
                    return nil
                }
                return state.machine.cancelReceive { $0.id == waiterId }
            }
            waiter?.continuation.resume(throwing: PulsarClientError(.cancelled, "receive was cancelled"))
        }
        core.activity?.end()  // begun when the message was handed to this waiter
        return message
    }

    /// The next message, or nil if none arrives within `timeout`.
    func receive(timeout: Duration) async throws -> Message? {
        try await withThrowingTaskGroup(of: Message?.self) { group in
            group.addTask { try await self.receive() }
            group.addTask {
                try await self.core.clock.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            do {
                return try await group.next() ?? nil
            } catch let error as PulsarClientError where error.code == .cancelled {
                return nil
            }
        }
    }

    /// Messages waiting in the receive queue.
    var queuedCount: Int { state.withLock { $0.machine.queuedCount } }

    /// The source of an id: the only one, or the partition named by the id.
    func source(of id: MessageID) throws -> Int {
        if setup.sources.count == 1 { return 0 }
        if let index = setup.sources.firstIndex(where: { $0.partition == id.partition && $0.partition >= 0 }) { return index }
        throw PulsarClientError(.invalidMessageID, "\(id) does not name one of this consumer's topics; pass the Message instead")
    }

    // MARK: Acknowledging

    /// An acknowledgement-side event of the state machine.
    enum AckEvent {
        case acknowledge(MessageID, source: Int)
        case acknowledgeCumulative(MessageID, source: Int)
        case negativeAcknowledge(MessageID, source: Int)
        case redeliverAll
        case flush
    }

    /// Runs an acknowledgement-side event on the state machine, then its actions.
    func handle(_ event: AckEvent) throws {
        let now = core.clock.instant
        let (actions, connections) = try withMachine { state -> ([Machine.Action], [Connection?]) in
            if state.closed { throw PulsarClientError.closed("the consumer") }
            let actions: [Machine.Action]
            switch event {
            case .acknowledge(let id, let source):
                actions = state.machine.acknowledge(id, source: source, now: now)
            case .acknowledgeCumulative(let id, let source):
                actions = try state.machine.acknowledgeCumulative(id, source: source, now: now).get()
            case .negativeAcknowledge(let id, let source):
                actions = state.machine.negativeAcknowledge(id, source: source, now: now)
            case .redeliverAll:
                actions = state.machine.redeliverAllUnacknowledged()
            case .flush:
                actions = state.machine.flushAllAcknowledgements()
            }
            return (actions, state.connections)
        }
        if !actions.isEmpty { run(actions, connections: connections) }
    }

    func acknowledge(_ id: MessageID, source: Int) throws { try handle(.acknowledge(id, source: source)) }
    func acknowledgeCumulative(_ id: MessageID, source: Int) throws { try handle(.acknowledgeCumulative(id, source: source)) }
    func negativeAcknowledge(_ id: MessageID, source: Int) throws { try handle(.negativeAcknowledge(id, source: source)) }
    func redeliverUnacknowledged() throws { try handle(.redeliverAll) }
    func flushAcknowledgements() throws { try handle(.flush) }

    // MARK: Requests

    /// The connection of `source`, or an error when it is reconnecting.
    func connection(_ source: Int) throws -> Connection {
        guard let connection = state.withLock({ $0.connections[source] }) else {
            throw PulsarClientError(.connectionClosed, "the consumer is reconnecting", topic: setup.sources[source].topic)
        }
        return connection
    }

    /// Moves the subscription of `sources` to `id` (inclusive) or to the first message published at or after
    /// `publishTime`. The broker then disconnects the consumer, which re-subscribes at the new position.
    func seek(sources indices: [Int], to id: MessageID?, publishTime: UInt64?) async throws {
        for index in indices {
            let connection = try connection(index)
            let consumerId = consumerIds[index]
            state.withLock { $0.seeking[index] = true }
            let result: Result<Command, any Error>
            do {
                result = .success(try await connection.request("SEEK on \(setup.sources[index].topic)") { requestId in
                    .seek(CommandSeek(consumerId: consumerId, requestId: requestId, messageId: id?.entryData,
                                      messagePublishTime: publishTime))
                })
            } catch {
                result = .failure(error)
            }
            // The broker disconnects the consumer before answering; re-subscribing waits until here, so that what
            // was queued from the old position is gone before messages from the new one arrive.
            core.logger.debug("SEEK on \(setup.sources[index].topic): \((try? result.get()).map { "\($0.type)" } ?? "failed")")
            let reconnect = state.withLock { state -> Bool in
                if case .success(.success) = result {
                    state.machine.seekCompleted(source: index, readerStart: setup.durable ? nil : id)
                }
                state.seeking[index] = false
                guard state.reconnectAfterSeek[index] else { return false }
                state.reconnectAfterSeek[index] = false
                return Self.claimReconnect(&state, index)
            }
            if reconnect { self.reconnect(index) }
            let response = try result.get()
            guard case .success = response else {
                throw PulsarClientError(.protocolError, "expected SUCCESS to SEEK, got \(response.type)")
            }
        }
    }

    /// The id of the last message stored on `source`'s topic (ledger or entry -1 when the topic is empty).
    func lastMessageID(source index: Int) async throws -> MessageID {
        let connection = try connection(index)
        let consumerId = consumerIds[index]
        let response = try await connection.request("GET_LAST_MESSAGE_ID on \(setup.sources[index].topic)") { requestId in
            .getLastMessageId(CommandGetLastMessageId(consumerId: consumerId, requestId: requestId))
        }
        guard case .getLastMessageIdResponse(let answer) = response else {
            throw PulsarClientError(.protocolError, "expected GET_LAST_MESSAGE_ID_RESPONSE, got \(response.type)")
        }
        var id = MessageID(wire: answer.lastMessageId)
        id.partition = setup.sources[index].partition
        return id
    }

    /// The last message handed out from `source`.
    func lastDequeued(source: Int) -> MessageID? { state.withLock { $0.machine.lastDequeued(source: source) } }

    // MARK: Closing

    /// Deletes the subscription on the broker, then closes locally.
    func unsubscribe() async throws {
        for index in setup.sources.indices {
            let connection = try connection(index)
            let consumerId = consumerIds[index]
            let response = try await connection.request("UNSUBSCRIBE from \(setup.sources[index].topic)") { requestId in
                .unsubscribe(CommandUnsubscribe(consumerId: consumerId, requestId: requestId))
            }
            guard case .success = response else {
                throw PulsarClientError(.protocolError, "expected SUCCESS to UNSUBSCRIBE, got \(response.type)")
            }
            connection.unregister(consumer: consumerId)
        }
        await close(notifyBroker: false)
    }

    /// Sends the grouped acknowledgements, closes the consumer on the broker (unless it is already gone there),
    /// and fails callers still waiting. Idempotent.
    func close(notifyBroker: Bool = true) async {
        let closing = state.withLock { state -> ([Machine.Action], [Connection?])? in
            guard !state.closed else { return nil }
            let actions = state.machine.closed(PulsarClientError.closed("the consumer"))
            state.closed = true
            defer { state.connections = state.connections.map { _ in nil } }
            return (actions, state.connections)
        }
        guard let (actions, connections) = closing else { return }
        run(actions, connections: connections)
        core.timer.unregister(self)
        for (index, connection) in connections.enumerated() {
            guard let connection else { continue }
            connection.unregister(consumer: consumerIds[index])
            guard notifyBroker else { continue }
            let consumerId = consumerIds[index]
            _ = try? await connection.request("CLOSE_CONSUMER on \(setup.sources[index].topic)") { requestId in
                .closeConsumer(CommandCloseConsumer(consumerId: consumerId, requestId: requestId))
            }
        }
        await deadLetters.close()
    }
}
