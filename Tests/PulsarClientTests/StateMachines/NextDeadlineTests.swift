@testable import PulsarClient
import PulsarWire
import Testing

/// The deadlines the state machines report to the client's timer, which sleeps until the earliest one.
@Suite("State machines report their next deadline", .timeLimit(.minutes(1)))
struct NextDeadlineTests {
    let start = PulsarInstant(nanoseconds: 1_000_000_000_000)

    func message(_ text: String) -> OutgoingMessage {
        OutgoingMessage(payload: Array(text.utf8), options: SendOptions(), publishTime: 1_700_000_000_000)
    }

    @Test("producer: none when idle, the batch delay while a batch is open, then the oldest entry's send timeout")
    func producer() {
        var configuration = ProducerStateMachine<Int>.Configuration(producerId: 1)
        configuration.batchingMaxPublishDelay = .milliseconds(10)
        configuration.sendTimeout = .seconds(30)
        var machine = ProducerStateMachine<Int>(configuration: configuration)
        _ = machine.producerCreated(name: "p", lastSequenceId: -1, maxMessageSize: 5 << 20)
        #expect(machine.nextDeadline == nil)
        _ = machine.enqueue(message("a"), token: 1, now: start)
        _ = machine.enqueue(message("b"), token: 2, now: start + .milliseconds(4))
        #expect(machine.nextDeadline == start + .milliseconds(10))
        _ = machine.tick(now: start + .milliseconds(10))
        #expect(machine.nextDeadline == start + .seconds(30))
        _ = machine.receiptReceived(CommandSendReceipt(producerId: 1, sequenceId: 0, messageId: MessageIdData(ledgerId: 1, entryId: 0)),
                                    now: start + .milliseconds(11))
        #expect(machine.nextDeadline == nil)
    }

    @Test("producer: no send-timeout deadline when the send timeout is off")
    func producerWithoutSendTimeout() {
        var configuration = ProducerStateMachine<Int>.Configuration(producerId: 1)
        configuration.batchingEnabled = false
        configuration.sendTimeout = nil
        var machine = ProducerStateMachine<Int>(configuration: configuration)
        _ = machine.producerCreated(name: "p", lastSequenceId: -1, maxMessageSize: 5 << 20)
        _ = machine.enqueue(message("a"), token: 1, now: start)
        #expect(machine.pendingEntryCount == 1)
        #expect(machine.nextDeadline == nil)
    }

    @Test("connection: the handshake deadline, then keep-alive or the earliest request, then the PING's answer")
    func connection() {
        let configuration = ConnectionStateMachine.Configuration(keepAliveInterval: .seconds(30), connectionTimeout: .seconds(10),
                                                                 operationTimeout: .seconds(20))
        var machine = ConnectionStateMachine(configuration: configuration, now: start)
        #expect(machine.nextDeadline == nil)
        _ = machine.handshakeStarted(CommandConnect(clientVersion: "t", protocolVersion: 20), now: start)
        #expect(machine.nextDeadline == start + .seconds(10))
        _ = machine.commandReceived(.connected(CommandConnected(serverVersion: "b", protocolVersion: 20)), now: start)
        #expect(machine.nextDeadline == start + .seconds(30))
        _ = machine.requestStarted("LOOKUP", timeout: .seconds(5), now: start + .seconds(1))
        #expect(machine.nextDeadline == start + .seconds(6))
        _ = machine.tick(now: start + .seconds(6))
        #expect(machine.nextDeadline == start + .seconds(30))
        #expect(machine.tick(now: start + .seconds(30)) == [.send(.ping(CommandPing()))])
        #expect(machine.nextDeadline == start + .seconds(60))
        _ = machine.closed(PulsarClientError(.connectionClosed, "gone"))
        #expect(machine.nextDeadline == nil)
    }

    @Test("consumer: acknowledgement grouping, nack delay and ack timeout, none for a disconnected source")
    func consumer() {
        var configuration = ConsumerStateMachine<Int>.Configuration(receiverQueueSize: 10)
        configuration.subscriptionType = .shared
        configuration.ackGroupingInterval = .milliseconds(100)
        configuration.nackRedeliveryDelay = .seconds(60)
        configuration.ackTimeout = .seconds(20)
        var machine = ConsumerStateMachine<Int>(configuration: configuration)
        _ = machine.sourceConnected(0, now: start)
        #expect(machine.nextDeadline == nil)
        let messages = (0..<2).map { Message(messageID: MessageID(ledgerId: 1, entryId: $0), payload: [1]) }
        for message in messages { _ = machine.entryReceived([message], source: 0, now: start) }
        let first = machine.poll(now: start).message!
        #expect(machine.nextDeadline == start + .seconds(20))  // ack timeout of the message handed out
        _ = machine.negativeAcknowledge(first.messageID, source: 0, now: start + .seconds(1))
        // The nack replaces the ack timeout; the 20 s lower bound stays until the next check recomputes it.
        _ = machine.tick(now: start + .seconds(20))
        #expect(machine.nextDeadline == start + .seconds(61))
        let second = machine.poll(now: start + .seconds(21)).message!
        _ = machine.acknowledge(second.messageID, source: 0, now: start + .seconds(21))
        #expect(machine.nextDeadline == start + .seconds(21) + .milliseconds(100))
        _ = machine.tick(now: start + .seconds(21) + .milliseconds(100))
        #expect(machine.nextDeadline == start + .seconds(61))
        machine.sourceDisconnected(0)
        _ = machine.tick(now: start + .seconds(61))
        #expect(machine.nextDeadline == nil)  // comes back when the source reconnects
        _ = machine.sourceConnected(0, now: start + .seconds(70))
        #expect(machine.nextDeadline == start + .seconds(61))
    }
}
