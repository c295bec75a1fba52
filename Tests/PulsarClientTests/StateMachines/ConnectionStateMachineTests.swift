@testable import PulsarClient
import PulsarWire
import Testing

@Suite("ConnectionStateMachine", .timeLimit(.minutes(1)))
struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine
    let start = PulsarInstant(nanoseconds: 1_000_000_000_000)
    let configuration = Machine.Configuration(keepAliveInterval: .seconds(30), connectionTimeout: .seconds(10),
                                              operationTimeout: .seconds(30))
    let connect = CommandConnect(clientVersion: "test", protocolVersion: 20)

    func ready() -> Machine {
        var machine = Machine(configuration: configuration, now: start)
        _ = machine.handshakeStarted(connect, now: start)
        _ = machine.commandReceived(.connected(CommandConnected(serverVersion: "broker", protocolVersion: 20)), now: start)
        return machine
    }

    @Test func handshakeSendsConnectAndCompletesOnConnected() {
        var machine = Machine(configuration: configuration, now: start)
        #expect(machine.handshakeStarted(connect, now: start) == [.send(.connect(connect))])
        let connected = CommandConnected(serverVersion: "broker", protocolVersion: 20, maxMessageSize: 1024,
                                         featureFlags: FeatureFlags(supportsGetPartitionedMetadataWithoutAutoCreation: true))
        #expect(machine.commandReceived(.connected(connected), now: start) == [.handshakeCompleted(
            .init(serverVersion: "broker", protocolVersion: 20, maxMessageSize: 1024,
                  supportsPartitionedMetadataWithoutAutoCreation: true))])
    }

    @Test func connectedWithoutMaxMessageSizeUsesFiveMebibytes() {
        var machine = Machine(configuration: configuration, now: start)
        _ = machine.handshakeStarted(connect, now: start)
        #expect(machine.commandReceived(.connected(CommandConnected(serverVersion: "lite")), now: start) == [
            .handshakeCompleted(.init(serverVersion: "lite", protocolVersion: 0, maxMessageSize: 5 * 1024 * 1024,
                                      supportsPartitionedMetadataWithoutAutoCreation: false))])
    }

    @Test func errorDuringHandshakeClosesWithATypedError() {
        var machine = Machine(configuration: configuration, now: start)
        _ = machine.handshakeStarted(connect, now: start)
        let actions = machine.commandReceived(.error(CommandError(requestId: UInt64.max, error: .authenticationError,
                                                                  message: "Unable to authenticate")), now: start)
        guard case .close(let error)? = actions.first, actions.count == 1 else {
            Issue.record("expected one close, got \(actions)")
            return
        }
        #expect(error.code == .authentication)
        #expect(error.serverError == .authenticationError)
    }

    @Test func anythingButConnectedDuringHandshakeIsAProtocolError() {
        var machine = Machine(configuration: configuration, now: start)
        _ = machine.handshakeStarted(connect, now: start)
        #expect(machine.commandReceived(.ping(CommandPing()), now: start) == [.send(.pong(CommandPong()))])
        let actions = machine.commandReceived(.success(CommandSuccess(requestId: 1)), now: start)
        #expect(actions.count == 1)
        if case .close(let error)? = actions.first { #expect(error.code == .protocolError) } else { Issue.record("\(actions)") }
    }

    @Test func handshakeTimesOut() {
        var machine = Machine(configuration: configuration, now: start)
        _ = machine.handshakeStarted(connect, now: start)
        #expect(machine.tick(now: start + .seconds(9)) == [])
        let actions = machine.tick(now: start + .seconds(10))
        if case .close(let error)? = actions.first { #expect(error.code == .timeout) } else { Issue.record("\(actions)") }
    }

    @Test func requestsGetIdsAndAreAnsweredByThem() throws {
        var machine = ready()
        let first = try machine.requestStarted("LOOKUP", now: start).get()
        let second = try machine.requestStarted("PRODUCER", now: start).get()
        #expect((first, second) == (0, 1))
        let success = Command.success(CommandSuccess(requestId: second))
        #expect(machine.commandReceived(success, now: start) == [.completeRequest(second, success)])
        #expect(machine.commandReceived(success, now: start) == [], "a second answer is ignored")
        let refusal = machine.commandReceived(.error(CommandError(requestId: first, error: .producerBusy, message: "busy")), now: start)
        #expect(refusal == [.failRequest(first, .server(.producerBusy, "busy"))])
        #expect(machine.pendingRequestCount == 0)
    }

    @Test func requestsTimeOutAtTheirDeadline() throws {
        var machine = ready()
        let id = try machine.requestStarted("SEEK", timeout: .seconds(5), now: start).get()
        #expect(machine.tick(now: start + .seconds(4)) == [])
        let actions = machine.tick(now: start + .seconds(5))
        guard case .failRequest(id, let error)? = actions.first else {
            Issue.record("\(actions)")
            return
        }
        #expect(error.code == .timeout)
        #expect(machine.commandReceived(.success(CommandSuccess(requestId: id)), now: start) == [], "late answer ignored")
    }

    @Test func exclusiveProducerQueuedByTheBrokerWaitsWithoutDeadline() throws {
        var machine = ready()
        let id = try machine.requestStarted("PRODUCER", now: start).get()
        let queued = Command.producerSuccess(CommandProducerSuccess(requestId: id, producerName: "p", producerReady: false))
        #expect(machine.commandReceived(queued, now: start) == [])
        #expect(machine.tick(now: start + .seconds(45)).filter { if case .failRequest = $0 { true } else { false } } == [])
        let granted = Command.producerSuccess(CommandProducerSuccess(requestId: id, producerName: "p", producerReady: true))
        #expect(machine.commandReceived(granted, now: start + .seconds(46)) == [.completeRequest(id, granted)])
    }

    @Test func keepAlivePingsAndDropsASilentBroker() {
        var machine = ready()
        #expect(machine.tick(now: start + .seconds(29)) == [])
        #expect(machine.tick(now: start + .seconds(30)) == [.send(.ping(CommandPing()))])
        _ = machine.commandReceived(.pong(CommandPong()), now: start + .seconds(31))
        #expect(machine.tick(now: start + .seconds(60)) == [.send(.ping(CommandPing()))])
        let actions = machine.tick(now: start + .seconds(91))
        if case .close(let error)? = actions.first { #expect(error.code == .timeout) } else { Issue.record("\(actions)") }
    }

    @Test func aStallLongerThanTwoIntervalsPingsBeforeDropping() {
        var machine = ready()
        // The process was descheduled for 100 s: the broker gets a PING and an interval to answer it.
        #expect(machine.tick(now: start + .seconds(100)) == [.send(.ping(CommandPing()))])
        #expect(machine.tick(now: start + .seconds(129)) == [])
        _ = machine.commandReceived(.pong(CommandPong()), now: start + .seconds(129))
        #expect(machine.tick(now: start + .seconds(140)) == [.send(.ping(CommandPing()))], "answered: pinged again, not dropped")
    }

    @Test func activityKeepsTheConnectionAlive() {
        var machine = ready()
        machine.activity(now: start + .seconds(50))
        #expect(machine.tick(now: start + .seconds(70)) == [.send(.ping(CommandPing()))])
    }

    @Test func pingIsAnsweredAndBrokerCommandsAreRouted() {
        var machine = ready()
        #expect(machine.commandReceived(.ping(CommandPing()), now: start) == [.send(.pong(CommandPong()))])
        let receipt = Command.sendReceipt(CommandSendReceipt(producerId: 1, sequenceId: 0))
        #expect(machine.commandReceived(receipt, now: start) == [.route(receipt)])
        let close = Command.closeConsumer(CommandCloseConsumer(consumerId: 3, requestId: 0))
        #expect(machine.commandReceived(close, now: start) == [.route(close)])
        #expect(machine.commandReceived(.authChallenge(CommandAuthChallenge()), now: start) == [.answerAuthChallenge])
        #expect(machine.commandReceived(.connect(connect), now: start) == [.ignore(.connect)])
    }

    @Test func connectionLevelErrorCloses() {
        var machine = ready()
        let actions = machine.commandReceived(.error(CommandError(requestId: UInt64.max, error: .authenticationError,
                                                                  message: "expired")), now: start)
        if case .close(let error)? = actions.first { #expect(error.code == .authentication) } else { Issue.record("\(actions)") }
    }

    @Test func closingFailsEveryPendingRequestInOrder() throws {
        var machine = ready()
        for _ in 0..<3 { _ = try machine.requestStarted("X", now: start).get() }
        let error = PulsarClientError(.connectionClosed, "gone")
        #expect(machine.closed(error) == [.failRequest(0, error), .failRequest(1, error), .failRequest(2, error)])
        #expect(machine.closed(error) == [])
        #expect(throws: error, "a closed connection fails new requests with its closing error") {
            try machine.requestStarted("Y", now: start).get()
        }
    }
}
