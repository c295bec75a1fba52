import Testing
import PulsarWire
@testable import PulsarEmulator

@Suite("Broker: handshake, keep-alive and bad input", .timeLimit(.minutes(1)))
struct HandshakeTests {
    @Test("CONNECT is answered with CONNECTED at min(client, broker) protocol version and the max message size")
    func connect() throws {
        var broker = BrokerHarness()
        let id = broker.open()
        let frames = broker.handle(.connect(CommandConnect(clientVersion: "c", protocolVersion: 20)), from: id)[id] ?? []
        guard case .connected(let connected)? = frames.first?.command else { Issue.record("no CONNECTED"); return }
        #expect(connected.protocolVersion == 20)
        #expect(connected.maxMessageSize == 5 * 1024 * 1024)
        let newer = broker.open()
        let newerFrames = broker.handle(.connect(CommandConnect(clientVersion: "c", protocolVersion: 99)), from: newer)[newer] ?? []
        guard case .connected(let capped)? = newerFrames.first?.command else { Issue.record("no CONNECTED"); return }
        #expect(capped.protocolVersion == BrokerState.protocolVersion)
    }

    @Test("CONNECTED carries the broker's own feature flags, not an echo of the client's")
    func featureFlags() throws {
        var broker = BrokerHarness()
        let id = broker.open()
        let clientFlags = FeatureFlags(supportsAuthRefresh: true, supportsBrokerEntryMetadata: true, supportsPartialProducer: true)
        let frames = broker.handle(.connect(CommandConnect(clientVersion: "c", protocolVersion: 21, featureFlags: clientFlags)),
                                   from: id)[id] ?? []
        guard case .connected(let connected)? = frames.first?.command else { Issue.record("no CONNECTED"); return }
        #expect(connected.featureFlags == FeatureFlags(supportsTopicWatchers: false,
                                                       supportsGetPartitionedMetadataWithoutAutoCreation: true))
    }

    @Test("a command before CONNECT closes the connection; PING is still answered")
    func beforeConnect() {
        var broker = BrokerHarness()
        let id = broker.open()
        #expect(broker.handle(.ping(CommandPing()), from: id)[id]?.first?.command == .pong(CommandPong()))
        #expect(broker.closed[id] == nil)
        _ = broker.handle(.lookup(CommandLookupTopic(topic: "t", requestId: 1)), from: id)
        #expect(broker.closed[id] != nil)
    }

    @Test("an idle connection is pinged after the keep-alive interval and closed after a second silent one")
    func keepAlive() {
        var broker = BrokerHarness { $0.keepAliveInterval = .seconds(30) }
        let id = broker.connect()
        #expect(broker.advance(milliseconds: 29_000)[id] == nil)
        #expect(broker.advance(milliseconds: 1_000)[id]?.first?.command == .ping(CommandPing()))
        _ = broker.advance(milliseconds: 30_000)
        #expect(broker.closed[id] == .keepAliveTimeout)
    }

    @Test("PINGs before CONNECT are answered but do not keep an unfinished handshake open past the keep-alive interval")
    func pingsDoNotKeepAnUnfinishedHandshakeAlive() {
        var broker = BrokerHarness { $0.keepAliveInterval = .seconds(30) }
        let id = broker.open()
        for _ in 0..<29 {
            _ = broker.advance(milliseconds: 1_000)
            #expect(broker.handle(.ping(CommandPing()), from: id)[id]?.first?.command == .pong(CommandPong()))
        }
        #expect(broker.closed[id] == nil)
        _ = broker.advance(milliseconds: 1_000)
        #expect(broker.closed[id] == .keepAliveTimeout)
    }

    @Test("timers cost one comparison when nothing is due: 10,000 topics with subscriptions schedule no timer")
    func idleTopicsScheduleNothing() {
        var broker = BrokerHarness()
        let id = broker.connect()
        for index in 0..<10_000 { broker.subscribe("t-\(index)", "s", consumer: UInt64(index + 1), on: id) }
        #expect(broker.state.timers.count == 1, "only the connection's keep-alive check")
        #expect(broker.advance(milliseconds: 1_000).isEmpty)
        #expect(broker.state.timers.count == 1)
    }

    @Test("any frame from the client counts as a sign of life")
    func trafficKeepsAlive() {
        var broker = BrokerHarness { $0.keepAliveInterval = .seconds(30) }
        let id = broker.connect()
        _ = broker.advance(milliseconds: 30_000)
        broker.handle(.pong(CommandPong()), from: id)
        _ = broker.advance(milliseconds: 30_000)
        #expect(broker.closed[id] == nil)
    }

    @Test("an unsupported command with a request id gets NotAllowed; without one, the connection closes")
    func unsupported() {
        var broker = BrokerHarness()
        let id = broker.connect()
        let reply = broker.handle(.newTxn(CommandNewTxn(requestId: 9)), from: id)[id]?.first?.command
        #expect(reply == .error(CommandError(requestId: 9, error: .notAllowedError,
                                             message: "NEW_TXN is not supported by the PulsarKit emulator")))
        #expect(broker.closed[id] == nil)
        _ = broker.handle(.reachedEndOfTopic(CommandReachedEndOfTopic(consumerId: 1)), from: id)
        #expect(broker.closed[id] != nil)
    }

    @Test("a bad checksum on SEND gets SEND_ERROR(ChecksumError) and stores nothing")
    func checksum() {
        var broker = BrokerHarness()
        let id = broker.connect()
        broker.makeProducer("t", on: id)
        let frame = Frame(command: .send(CommandSend(producerId: 1, sequenceId: 4)), entry: nil)
        var outputs = BrokerOutputs()
        broker.state.handleChecksumMismatch(frame, from: id, into: &outputs)
        let reply = broker.collect(outputs)[id]?.first?.command
        #expect(reply == .sendError(CommandSendError(producerId: 1, sequenceId: 4, error: .checksumError,
                                                     message: "Checksum failed on the broker")))
        #expect(broker.state.topics[try! TopicName("t")]?.log.count == 0)
    }

    @Test("SEND for an unknown producer closes the connection, like the broker")
    func sendUnknownProducer() {
        var broker = BrokerHarness()
        let id = broker.connect()
        broker.publish("x", producer: 7, sequenceId: 0, on: id)
        #expect(broker.closed[id] != nil)
    }

    @Test("LOOKUP answers Connect with the advertised URL; PARTITIONED_METADATA answers 0 for a plain topic")
    func discovery() {
        var broker = BrokerHarness()
        let id = broker.connect()
        let lookup = broker.handle(.lookup(CommandLookupTopic(topic: "persistent://public/default/t", requestId: 3)), from: id)[id]
        #expect(lookup?.first?.command == .lookupResponse(CommandLookupTopicResponse(
            brokerServiceUrl: "pulsar://127.0.0.1:6650", response: .connect, requestId: 3, authoritative: true,
            proxyThroughServiceUrl: false)))
        let metadata = broker.handle(.partitionedMetadata(CommandPartitionedTopicMetadata(topic: "t", requestId: 4)), from: id)[id]
        #expect(metadata?.first?.command == .partitionedMetadataResponse(CommandPartitionedTopicMetadataResponse(
            partitions: 0, requestId: 4, response: .success)))
    }

    @Test("invalid topic names get InvalidTopicName, the connection stays")
    func invalidTopic() {
        var broker = BrokerHarness()
        let id = broker.connect()
        for name in ["", "persistent://a/b/", "bogus://a/b/c", "a/b", "persistent://te nant/ns/t"] {
            #expect(broker.makeProducer(name, on: id)?.serverError == .invalidTopicName, "\(name)")
        }
        #expect(broker.closed[id] == nil)
    }

    @Test("without auto-creation, producing or subscribing to a missing topic gets TopicNotFound")
    func noAutoCreation() {
        var broker = BrokerHarness { $0.allowAutoTopicCreation = false }
        let id = broker.connect()
        #expect(broker.makeProducer("missing", on: id)?.serverError == .topicNotFound)
        #expect(broker.subscribe("missing", "s", on: id)?.serverError == .topicNotFound)
    }
}
