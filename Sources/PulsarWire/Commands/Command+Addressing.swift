extension Command {
    /// The producer id a command names (PRODUCER, SEND, SEND_RECEIPT, SEND_ERROR, CLOSE_PRODUCER, PRODUCER_SUCCESS has
    /// none on the wire), if any.
    public var producerId: UInt64? {
        switch self {
        case .producer(let c): c.producerId
        case .send(let c): c.producerId
        case .sendReceipt(let c): c.producerId
        case .sendError(let c): c.producerId
        case .closeProducer(let c): c.producerId
        default: nil
        }
    }

    /// The consumer id a command names (SUBSCRIBE, FLOW, MESSAGE, ACK, REDELIVER, CLOSE_CONSUMER …), if any.
    public var consumerId: UInt64? {
        switch self {
        case .subscribe(let c): c.consumerId
        case .flow(let c): c.consumerId
        case .message(let c): c.consumerId
        case .ack(let c): c.consumerId
        case .ackResponse(let c): c.consumerId
        case .redeliverUnacknowledgedMessages(let c): c.consumerId
        case .unsubscribe(let c): c.consumerId
        case .seek(let c): c.consumerId
        case .getLastMessageId(let c): c.consumerId
        case .closeConsumer(let c): c.consumerId
        case .consumerStats(let c): c.consumerId
        case .reachedEndOfTopic(let c): c.consumerId
        case .activeConsumerChange(let c): c.consumerId
        default: nil
        }
    }

    /// The topic a command names outright (LOOKUP, PARTITIONED_METADATA, PRODUCER, SUBSCRIBE, GET_SCHEMA …), as sent.
    public var topicName: String? {
        switch self {
        case .lookup(let c): c.topic
        case .partitionedMetadata(let c): c.topic
        case .producer(let c): c.topic
        case .subscribe(let c): c.topic
        case .getSchema(let c): c.topic
        case .getOrCreateSchema(let c): c.topic
        default: nil
        }
    }

    /// What a broker answers when it refuses this request with `error`: a failed LOOKUP_RESPONSE or
    /// PARTITIONED_METADATA_RESPONSE, SEND_ERROR for a SEND (its highest sequence id), ACK_RESPONSE for an ACK that asked
    /// for one, ERROR for any other request with a request id. Nil when the command is not a request that has an answer
    /// (CONNECT is refused with ERROR for request id 2^64 − 1 and a closed connection, which the caller does).
    public func refusal(_ error: ServerError, message: String) -> Command? {
        switch self {
        case .lookup(let request):
            .lookupResponse(CommandLookupTopicResponse(response: .failed, requestId: request.requestId, error: error,
                                                       message: message))
        case .partitionedMetadata(let request):
            .partitionedMetadataResponse(CommandPartitionedTopicMetadataResponse(requestId: request.requestId,
                                                                                  response: .failed, error: error, message: message))
        case .send(let send):
            .sendError(CommandSendError(producerId: send.producerId,
                                        sequenceId: send.hasHighestSequenceId ? send.highestSequenceId : send.sequenceId,
                                        error: error, message: message))
        case .ack(let ack):
            ack.hasRequestId ? .ackResponse(CommandAckResponse(consumerId: ack.consumerId, error: error, message: message,
                                                               requestId: ack.requestId)) : nil
        case .connect:
            nil
        default:
            requestId.map { .error(CommandError(requestId: $0, error: error, message: message)) }
        }
    }
}
