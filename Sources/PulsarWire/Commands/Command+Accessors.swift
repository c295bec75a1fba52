extension Command {
    /// The request id of a request or response, if the command carries one.
    public var requestId: UInt64? {
        switch self {
        case .subscribe(let c): c.requestId
        case .producer(let c): c.requestId
        case .unsubscribe(let c): c.requestId
        case .success(let c): c.requestId
        case .error(let c): c.requestId
        case .closeProducer(let c): c.requestId
        case .closeConsumer(let c): c.requestId
        case .producerSuccess(let c): c.requestId
        case .partitionedMetadata(let c): c.requestId
        case .partitionedMetadataResponse(let c): c.requestId
        case .lookup(let c): c.requestId
        case .lookupResponse(let c): c.requestId
        case .consumerStats(let c): c.requestId
        case .consumerStatsResponse(let c): c.requestId
        case .seek(let c): c.requestId
        case .getLastMessageId(let c): c.requestId
        case .getLastMessageIdResponse(let c): c.requestId
        case .getTopicsOfNamespace(let c): c.requestId
        case .getTopicsOfNamespaceResponse(let c): c.requestId
        case .getSchema(let c): c.requestId
        case .getSchemaResponse(let c): c.requestId
        case .getOrCreateSchema(let c): c.requestId
        case .getOrCreateSchemaResponse(let c): c.requestId
        case .ack(let c): c.hasRequestId ? c.requestId : nil
        case .ackResponse(let c): c.hasRequestId ? c.requestId : nil
        case .newTxn(let c): c.requestId
        case .newTxnResponse(let c): c.requestId
        case .addPartitionToTxn(let c): c.requestId
        case .addPartitionToTxnResponse(let c): c.requestId
        case .addSubscriptionToTxn(let c): c.requestId
        case .addSubscriptionToTxnResponse(let c): c.requestId
        case .endTxn(let c): c.requestId
        case .endTxnResponse(let c): c.requestId
        case .endTxnOnPartition(let c): c.requestId
        case .endTxnOnPartitionResponse(let c): c.requestId
        case .endTxnOnSubscription(let c): c.requestId
        case .endTxnOnSubscriptionResponse(let c): c.requestId
        case .tcClientConnectRequest(let c): c.requestId
        case .tcClientConnectResponse(let c): c.requestId
        case .watchTopicList(let c): c.requestId
        case .watchTopicListSuccess(let c): c.requestId
        case .watchTopicListClose(let c): c.requestId
        case .connect, .connected, .send, .sendReceipt, .sendError, .message, .flow, .ping, .pong,
             .redeliverUnacknowledgedMessages, .reachedEndOfTopic, .activeConsumerChange, .authChallenge, .authResponse,
             .watchTopicUpdate, .topicMigrated, .unknown:
            nil
        }
    }
}
