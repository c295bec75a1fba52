import PulsarWire

extension BrokerState {
    /// Time passed: runs the timers that are due, in deadline order: keep-alive pings and timeouts, token expiry
    /// checks, delayed messages whose time has come. With nothing due this is one comparison, whatever the number of
    /// topics and connections.
    mutating func tick(now: Int64, into outputs: inout BrokerOutputs) {
        var released: [SubscriptionPath] = []
        while let (_, timer) = timers.popDue(now: now) {
            switch timer {
            case .keepAlive(let id):
                checkKeepAlive(of: id, now: now, into: &outputs)
            case .authenticationCheck(let id):
                checkAuthenticationExpiry(of: id, now: now, into: &outputs)
            case .delayedDelivery(let topic, let subscription, let entryId):
                if releaseDelayedEntry(entryId, topic: topic, subscription: subscription, now: now) {
                    released.append(SubscriptionPath(topic: topic, subscription: subscription))
                }
            }
        }
        for path in Set(released).sorted() {
            dispatch(topic: path.topic, subscription: path.subscription, now: now, into: &outputs)
        }
    }

    /// One connection's keep-alive check: PING it if it is idle, close it if a PING went unanswered for a whole
    /// interval or the handshake never finished. Traffic since the check was scheduled postpones it.
    private mutating func checkKeepAlive(of id: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
        guard var connection = connections[id], connection.phase != .closing else { return }
        guard connection.nextKeepAliveCheck <= now else {
            timers.schedule(.keepAlive(id), at: connection.nextKeepAliveCheck)
            return
        }
        connection.nextKeepAliveCheck = now + keepAliveMilliseconds
        if connection.phase != .connected || connection.awaitingPong {
            outputs.close(id, .keepAliveTimeout)
            connection.phase = .closing
        } else {
            if connection.protocolVersion >= 1 {
                connection.awaitingPong = true
                outputs.send(.ping(CommandPing()), to: id)
            }
            timers.schedule(.keepAlive(id), at: connection.nextKeepAliveCheck)
        }
        connections[id] = connection
    }
}

/// A subscription by topic and name (timers and dispatch bookkeeping).
struct SubscriptionPath: Hashable, Comparable {
    var topic: TopicName
    var subscription: String

    static func < (lhs: SubscriptionPath, rhs: SubscriptionPath) -> Bool {
        lhs.topic != rhs.topic ? lhs.topic < rhs.topic : lhs.subscription < rhs.subscription
    }
}
