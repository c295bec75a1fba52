import PulsarWire

/// Where the broker consults its ``FaultPlan``: requests before they are handled, outputs before they leave.
///
/// ```
///  frame ─▶ injectedFailure? ──yes──▶ the error answer the request's kind calls for (nothing else happens)
///             │ no
///             ▼
///          handle(frame) ─▶ BrokerOutputs ─▶ applyFaults (receipts held, dropped, reversed) ─▶ driver encodes
/// ```
extension BrokerState {
    /// Answers `frame` with an armed injected failure instead of handling it; returns false when none matches.
    mutating func answerWithInjectedFailure(_ frame: Frame, from id: ConnectionID, into outputs: inout BrokerOutputs) -> Bool {
        guard faults.hasFailures, let (operation, topic) = operation(of: frame.command, from: id),
              let failure = faults.takeFailure(operation, topic: topic) else { return false }
        if case .connect = frame.command {
            replyError(Self.connectionLevelRequestId, failure.error, failure.message, to: id, into: &outputs)
            refuseConnection(id, "injected CONNECT failure: \(failure.message)", into: &outputs)
        } else if let answer = frame.command.refusal(failure.error, message: failure.message) {
            outputs.send(answer, to: id)
        }
        return true
    }

    /// What the faults have done and what is armed, with the driver's pause.
    var faultReport: BrokerFaultReport {
        var report = faults.currentReport
        report.isPaused = isPaused
        report.pausedReads = pausedReads
        return report
    }

    /// Applies the receipt fault to what is about to leave.
    mutating func applyFaults(to outputs: inout BrokerOutputs) {
        guard !faults.isIdle else { return }
        let producers = producers
        faults.filterReceipts(&outputs) { connection, producerId in
            producers[ProducerKey(connection: connection, producerId: producerId)]?.topic
        }
    }

    /// The operation a command is, and the topic it concerns when the broker knows it.
    private func operation(of command: Command, from id: ConnectionID) -> (BrokerOperation, TopicName?)? {
        func producerTopic(_ producerId: UInt64) -> TopicName? {
            producers[ProducerKey(connection: id, producerId: producerId)]?.topic
        }
        func consumerTopic(_ consumerId: UInt64) -> TopicName? {
            consumers[ConsumerKey(connection: id, consumerId: consumerId)]?.topic
        }
        switch command {
        case .connect: return (.connect, nil)
        case .lookup(let request): return (.lookup, try? TopicName(request.topic))
        case .partitionedMetadata(let request): return (.partitionedMetadata, try? TopicName(request.topic))
        case .producer(let request): return (.producer, try? TopicName(request.topic))
        case .subscribe(let request): return (.subscribe, try? TopicName(request.topic))
        case .send(let send): return (.send, producerTopic(send.producerId))
        case .ack(let ack): return (.ack, consumerTopic(ack.consumerId))
        case .unsubscribe(let request): return (.unsubscribe, consumerTopic(request.consumerId))
        case .seek(let request): return (.seek, consumerTopic(request.consumerId))
        case .getLastMessageId(let request): return (.getLastMessageId, consumerTopic(request.consumerId))
        case .closeProducer(let request): return (.closeProducer, producerTopic(request.producerId))
        case .closeConsumer(let request): return (.closeConsumer, consumerTopic(request.consumerId))
        default: return nil
        }
    }
}
