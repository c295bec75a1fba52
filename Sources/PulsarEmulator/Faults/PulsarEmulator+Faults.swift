import PulsarWire

/// Broker faults, in the style of Go's pstest and Kafka's MockProducer: tell the emulator what to get wrong next, then
/// watch the client cope. Every call is also reachable out of process through the admin port (`/pulsarkit/faults/…`,
/// see docs/faults.md).
extension PulsarEmulator {
    /// Answers the next `count` requests of `operation` (on `topic`, when given; a partitioned topic matches its
    /// partitions) with `error` instead of handling them. See ``BrokerOperation`` for what each answer looks like.
    ///
    /// - Throws: ``EmulatorError`` (`invalidArgument`) for a count below 1 or a topic name that does not parse.
    public func failNext(_ operation: BrokerOperation, with error: ServerError = .serviceNotReady, message: String? = nil,
                         count: Int = 1, topic: String? = nil) throws(EmulatorError) {
        guard count >= 1 else { throw EmulatorError(.invalidArgument, "failNext needs a count of at least 1, not \(count)") }
        let topicName = try Self.parseTopic(topic)
        let failure = FaultPlan.Failure(operation: operation, error: error,
                                        message: message ?? "Injected \(error) (PulsarKit fault)", remaining: count,
                                        topic: topicName)
        core.withState { state, _, _ in state.faults.failNext(failure) }
    }

    /// Holds, drops or reverses the next `count` SEND_RECEIPTs (of producers on `topic`, when given). The messages
    /// themselves are stored as usual: only the producer's knowledge of it is affected. Replaces a receipt fault
    /// armed before; a count of 0 disarms it.
    ///
    /// - Throws: ``EmulatorError`` (`invalidArgument`) for a negative count or a topic name that does not parse.
    public func faultReceipts(_ fault: ReceiptFault, count: Int = 1, topic: String? = nil) throws(EmulatorError) {
        guard count >= 0 else { throw EmulatorError(.invalidArgument, "faultReceipts needs a count of 0 or more, not \(count)") }
        let topicName = try Self.parseTopic(topic)
        core.withState { state, _, _ in state.faults.faultReceipts(fault, count: count, topic: topicName) }
    }

    /// Sends every receipt held by ``ReceiptFault/hold`` (or by an unfinished ``ReceiptFault/reverse``), in order.
    public func releaseReceipts() {
        core.withState { state, _, outputs in state.faults.releaseHeld(into: &outputs) }
    }

    /// Disarms every broker fault, sends held receipts and ends a pause.
    public func clearFaults() {
        core.withState { state, _, outputs in state.faults.clear(into: &outputs) }
        core.resume()
    }

    /// What the broker faults have done so far and what is still armed.
    public var faultReport: BrokerFaultReport {
        core.read(\.faultReport)
    }

    /// Unloads a topic as a broker does when it moves a bundle: every producer gets CLOSE_PRODUCER and every consumer
    /// CLOSE_CONSUMER (unacknowledged messages go back for redelivery); the clients look the topic up again and
    /// reconnect. The topic and its messages stay. A partitioned topic unloads each partition in use.
    ///
    /// - Throws: ``EmulatorError`` (`invalidArgument` for a bad name, `topicNotFound` when there is no such topic).
    public func unload(topic: String) throws(EmulatorError) {
        guard let name = try Self.parseTopic(topic) else { return }
        let failure: AdminError? = core.withState { state, now, outputs in
            do throws(AdminError) {
                if state.partitionedTopics[name] != nil {
                    for partition in state.usedPartitions(of: name) { try state.adminUnloadTopic(partition, now: now, into: &outputs) }
                } else {
                    try state.adminUnloadTopic(name, now: now, into: &outputs)
                }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw EmulatorError(.topicNotFound, failure.reason) }
    }

    /// A broker restart: every connection is dropped and all state (topics, messages, cursors) is kept. Clients
    /// reconnect. Same as ``disconnectAllClients()``.
    public func restart() {
        disconnectAllClients()
    }

    /// Stops serving: frames that arrive are kept, in order, and handled when the pause ends; timers (keep-alive,
    /// delayed delivery) wait too. Connections stay open and admin requests are still answered. `duration` nil pauses
    /// until ``resume()``; otherwise the pause ends once the emulator's clock has moved that far (a `ManualClock`
    /// must be advanced).
    public func pause(for duration: Duration? = nil) {
        core.pause(until: duration.map { configuration.clock.now() + max(0, $0.wholeMilliseconds) })
    }

    /// Ends a pause: what arrived during it is handled in arrival order.
    public func resume() {
        core.resume()
    }

    /// Jumps the emulator's wall clock (token expiry, delayed delivery, publish times) by `duration`, negative to go
    /// back, without moving its monotonic time, then runs the timers the jump made due. A ``ManualClock`` is `set`;
    /// any other clock was wrapped in a ``JumpableClock`` at start.
    public func jumpClock(by duration: Duration) {
        _ = Self.jumpWallClock(configuration.clock, by: duration.wholeMilliseconds)
        core.tick()
    }

    /// Moves the wall time of a ``ManualClock`` or a ``JumpableClock``; false for any other clock.
    static func jumpWallClock(_ clock: any PulsarClock, by milliseconds: Int64) -> Bool {
        if let manual = clock as? ManualClock {
            manual.set(milliseconds: manual.now() + milliseconds)
        } else if let jumpable = clock as? JumpableClock {
            jumpable.jump(by: milliseconds)
        } else {
            return false
        }
        return true
    }

    private static func parseTopic(_ topic: String?) throws(EmulatorError) -> TopicName? {
        guard let topic else { return nil }
        do { return try TopicName(topic) } catch {
            throw EmulatorError(.invalidArgument, "\"\(topic)\" is not a topic name: \(error.message)")
        }
    }
}
