import PulsarClient
import PulsarWire
import Synchronization
import Testing

/// A scripted broker that misbehaves: the client must report errors and recover, never crash or hang.
@Suite("Bad broker input", .timeLimit(.minutes(1)))
struct BadBrokerInputTests {
    func sends(_ broker: FakeBroker) -> [(connection: Int, send: CommandSend)] {
        broker.received.compactMap { entry in
            if case .send(let send) = entry.frame.command { return (entry.connection, send) }
            return nil
        }
    }

    @Test func garbageInsteadOfConnectedFailsTheConnectionWithoutCrashing() async throws {
        let broker = FakeBroker { _, frame, _ in
            if case .connect = frame.command { return [.raw([0, 0, 0, 9, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5])] }
            return nil
        }
        // Long enough that no attempt's handshake times out on a loaded machine (that would end in .timeout).
        let client = try TestBroker.client(of: broker) { $0.operationTimeout = .seconds(2) }
        let error = await #expect(throws: PulsarClientError.self) { _ = try await client.makeProducer(topic: "t") }
        #expect(error?.code == .connectionFailed || error?.code == .protocolError)
        #expect(broker.connectionCount >= 1)
        await client.close()
    }

    @Test func garbageAfterTheHandshakeDropsTheConnectionAndTheProducerRecovers() async throws {
        let poisoned = Atomic(false)
        let broker = FakeBroker { connection, frame, _ in
            if case .send = frame.command, connection == 0, !poisoned.exchange(true, ordering: .relaxed) {
                return [.raw([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0])]
            }
            return nil
        }
        let client = try TestBroker.client(of: broker)
        let producer = try await client.makeProducer(topic: "t")
        let id = try await producer.send(bytes("survives"))
        #expect(id.entryId >= 0)
        #expect(sends(broker).map(\.connection) == [0, 1], "resent on a new connection after the garbage")
        await client.close()
    }

    @Test func aReceiptOutOfOrderMakesTheProducerReconnectAndResendInOrder() async throws {
        let broker = FakeBroker { connection, frame, _ in
            guard case .send(let send) = frame.command, connection == 0 else { return nil }
            // The first connection answers with a receipt for a sequence id that was never sent.
            return [.command(.sendReceipt(CommandSendReceipt(producerId: send.producerId, sequenceId: send.sequenceId + 5,
                                                             messageId: MessageIdData(ledgerId: 1, entryId: 0))))]
        }
        let client = try TestBroker.client(of: broker)
        var options = ProducerOptions()
        options.batchingEnabled = false
        let producer = try await client.makeProducer(topic: "t", options: options)
        var receipts: [SendReceipt] = []
        for index in 0..<3 { receipts.append(try await producer.enqueue(bytes("m\(index)"))) }
        for receipt in receipts { _ = try await receipt.messageID() }
        let resent = sends(broker).filter { $0.connection == 1 }.map(\.send.sequenceId)
        #expect(resent == [0, 1, 2])
        await client.close()
    }

    @Test func aCorruptEntryIsReportedAcknowledgedAndSkipped() async throws {
        let reported = Mutex<[PulsarClientError]>([])
        let broker = FakeBroker { _, frame, _ in
            guard case .flow(let flow) = frame.command else { return nil }
            var corrupt = FakeBroker.entry("corrupt")
            corrupt.bytes[corrupt.bytes.endIndex - 1] ^= 0xff  // the checksum no longer matches
            let badBatch = MessageEntry(metadata: MessageMetadata(producerName: "p", sequenceId: 1, publishTime: 1,
                                                                  numMessagesInBatch: 5), payload: [1, 2, 3])
            let unknownCodec = MessageEntry(metadata: MessageMetadata(producerName: "p", sequenceId: 2, publishTime: 1,
                                                                      compression: CompressionType(rawValue: 99),
                                                                      uncompressedSize: 3), payload: [1, 2, 3])
            let id = flow.consumerId
            return [.message(CommandMessage(consumerId: id, messageId: MessageIdData(ledgerId: 1, entryId: 0)), corrupt),
                    .message(CommandMessage(consumerId: id, messageId: MessageIdData(ledgerId: 1, entryId: 1)), badBatch),
                    .message(CommandMessage(consumerId: id, messageId: MessageIdData(ledgerId: 1, entryId: 2)), unknownCodec),
                    .message(CommandMessage(consumerId: id, messageId: MessageIdData(ledgerId: 1, entryId: 3)),
                             FakeBroker.entry("good"))]
        }
        let client = try TestBroker.client(of: broker)
        var options = ConsumerOptions()
        options.corruptMessageHandler = { error in reported.withLock { $0.append(error) } }
        let consumer = try await client.subscribe(topic: "t", subscription: "s", options: options)
        let message = try #require(try await consumer.receive(timeout: .seconds(5)))
        #expect(message.string == "good")
        #expect(message.messageID.entryId == 3)
        #expect(reported.withLock { $0.map(\.code) } == [.corruptMessage, .corruptMessage, .corruptMessage])
        let reasons = broker.commands.compactMap { command -> AckValidationError? in
            if case .ack(let ack) = command, ack.hasValidationError { return ack.validationError }
            return nil
        }
        #expect(reasons == [.checksumMismatch, .batchDeserializeError, .decompressionError])
        await client.close()
    }

    @Test func aBrokerThatNeverAnswersTimesOut() async throws {
        let broker = FakeBroker { _, frame, _ in
            if case .producer = frame.command { return [] }
            return nil
        }
        let client = try TestBroker.client(of: broker) { $0.operationTimeout = .milliseconds(300) }
        let error = await #expect(throws: PulsarClientError.self) { _ = try await client.makeProducer(topic: "t") }
        #expect(error?.code == .timeout)
        await client.close()
    }

    @Test func anAuthenticationRefusalFailsFastWithATypedError() async throws {
        let broker = FakeBroker { _, frame, _ in
            if case .connect = frame.command {
                return [.command(.error(CommandError(requestId: UInt64.max, error: .authenticationError,
                                                     message: "Unable to authenticate"))), .close]
            }
            return nil
        }
        let client = try TestBroker.client(of: broker) { $0.operationTimeout = .seconds(30) }
        let error = await #expect(throws: PulsarClientError.self) { _ = try await client.makeProducer(topic: "t") }
        #expect(error?.code == .authentication, "a timeout would be .timeout")
        #expect(broker.connectionCount == 1, "an authentication error is not retried")
        await client.close()
    }

    @Test func theBrokerClosingAProducerMakesItReconnectAndResend() async throws {
        let closed = Atomic(false)
        let broker = FakeBroker { _, frame, broker in
            guard case .send(let send) = frame.command, !closed.exchange(true, ordering: .relaxed) else { return nil }
            // Instead of a receipt: the broker closes the producer (an unload, say).
            return [.command(.closeProducer(CommandCloseProducer(producerId: send.producerId, requestId: 0)))]
        }
        let client = try TestBroker.client(of: broker)
        let producer = try await client.makeProducer(topic: "t")
        _ = try await producer.send(bytes("kept"))
        let commands = broker.commands.map(\.type)
        #expect(commands.filter { $0 == .producer }.count == 2, "the producer was created again")
        #expect(commands.filter { $0 == .send }.count == 2, "the message was sent again")
        #expect(broker.connectionCount == 1, "the connection itself stayed up")
        await client.close()
    }

    @Test func lookupRedirectsAreFollowed() async throws {
        let redirected = FakeBroker(url: "pulsar://second:6650")
        let first = FakeBroker(url: "pulsar://first:6650") { _, frame, _ in
            guard case .lookup(let lookup) = frame.command else { return nil }
            return [.command(.lookupResponse(CommandLookupTopicResponse(
                brokerServiceUrl: "pulsar://second:6650", response: .redirect, requestId: lookup.requestId, authoritative: true)))]
        }
        var configuration = ClientConfiguration(serviceURL: first.url)
        configuration.logger = .silent
        configuration.connector = Connector { address, _ in address.host == "second" ? redirected.accept() : first.accept() }
        let client = try PulsarClient(configuration: configuration)
        let producer = try await client.makeProducer(topic: "t")
        try await producer.send(bytes("there"))
        #expect(redirected.commands.contains { if case .lookup(let l) = $0 { l.authoritative } else { false } },
                "the second broker is asked again, authoritatively")
        #expect(redirected.commands.contains { $0.type == .send })
        #expect(!first.commands.contains { $0.type == .send })
        await client.close()
    }

    @Test func theNextBrokerOfTheServiceURLIsTriedWhenOneIsDown() async throws {
        let alive = FakeBroker(url: "pulsar://b:6650")
        var configuration = ClientConfiguration(serviceURL: "pulsar://a:6650,b:6650")
        configuration.logger = .silent
        configuration.connector = Connector { address, _ in
            guard address.host == "b" else { throw PulsarClientError(.connectionFailed, "refused") }
            return alive.accept()
        }
        let client = try PulsarClient(configuration: configuration)
        let producer = try await client.makeProducer(topic: "t")
        try await producer.send(bytes("via b"))
        #expect(alive.commands.contains { $0.type == .send })
        await client.close()
    }

    @Test func aBrokerThatNeverAcknowledgesASendTimesItOut() async throws {
        let broker = FakeBroker { _, frame, _ in
            if case .send = frame.command { return [] }
            return nil
        }
        let client = try TestBroker.client(of: broker)
        var options = ProducerOptions()
        options.sendTimeout = .milliseconds(200)
        let producer = try await client.makeProducer(topic: "t", options: options)
        let error = await #expect(throws: PulsarClientError.self) { try await producer.send(bytes("lost")) }
        #expect(error?.code == .timeout)
        await client.close()
    }

    @Test func aBrokerSilentOnConnectHitsTheConnectionTimeout() async throws {
        let broker = FakeBroker { _, frame, _ in
            if case .connect = frame.command { return [] }
            return nil
        }
        let client = try TestBroker.client(of: broker) {
            $0.connectionTimeout = .milliseconds(100)
            $0.operationTimeout = .milliseconds(400)
        }
        let error = await #expect(throws: PulsarClientError.self) { _ = try await client.makeProducer(topic: "t") }
        #expect(error?.code == .timeout)
        await client.close()
    }

    @Test func aBrokerThatStopsAnsweringPingsIsDroppedAndReconnected() async throws {
        // The first connection falls silent once the producer exists (not before: a drop during its creation would be
        // another test). Every other connection answers PINGs.
        let silent = Atomic(false)
        let broker = FakeBroker { connection, frame, _ in
            if case .ping = frame.command, connection == 0, silent.load(ordering: .acquiring) { return [] }
            return nil
        }
        // 1 s: on a loaded machine (the test run shares two cores with whatever else runs) a 250 ms interval dropped
        // healthy connections too, again and again, until the producer's creation gave up.
        let client = try TestBroker.client(of: broker) { $0.keepAliveInterval = .seconds(1) }
        let producer = try await client.makeProducer(topic: "t")
        silent.store(true, ordering: .releasing)
        try await eventually("a second connection") { broker.connectionCount >= 2 }
        try await producer.send(bytes("after the keep-alive timeout"))
        #expect(broker.received.contains { $0.connection == 0 && $0.frame.command.type == .ping })
        await client.close()
    }

    @Test func theBrokerClosingAConsumerMakesItSubscribeAgain() async throws {
        let broker = FakeBroker()
        let client = try TestBroker.client(of: broker)
        let consumer = try await client.subscribe(topic: "t", subscription: "s")
        let subscribe = try #require(broker.commands.compactMap { if case .subscribe(let s) = $0 { s } else { nil } }.first)
        broker.push([.command(.closeConsumer(CommandCloseConsumer(consumerId: subscribe.consumerId, requestId: UInt64.max)))])
        try await eventually("a second SUBSCRIBE and FLOW") {
            broker.commands.filter { $0.type == .subscribe }.count == 2 && broker.commands.filter { $0.type == .flow }.count == 2
        }
        broker.push([.message(CommandMessage(consumerId: subscribe.consumerId, messageId: MessageIdData(ledgerId: 1, entryId: 7)),
                              FakeBroker.entry("after"))])
        #expect(try await consumer.receive(timeout: .seconds(5))?.string == "after")
        await client.close()
    }
}
