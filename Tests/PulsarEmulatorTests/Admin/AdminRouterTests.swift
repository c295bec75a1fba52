import PulsarNet
import PulsarAuth
import PulsarWire
import Testing
@testable import PulsarEmulator

@Suite(.timeLimit(.minutes(1))) struct AdminRouterTests {
    let topic = "persistent://public/default/orders"
    let path = "/admin/v2/persistent/public/default/orders"

    @Test func healthAndDiscoveryAnswerLikeAStandaloneBroker() throws {
        var broker = AdminHarness()
        #expect(try broker.json("/admin/v2/clusters") == ["standalone"])
        #expect(try broker.json("/admin/v2/tenants") == ["public", "pulsar"])
        #expect(try broker.json("/admin/v2/namespaces/public") == ["public/default"])
        #expect(try broker.json("/admin/v2/clusters/standalone")["serviceUrl"] == "http://127.0.0.1:8080")
        #expect(try broker.json("/admin/v2/brokers/standalone") == ["127.0.0.1:8080"])
        let (health, _) = broker.admin("GET", "/admin/v2/brokers/health")
        #expect(health.status == .ok && broker.text(health) == "ok")
        let (head, _) = broker.admin("HEAD", "/admin/v2/brokers/ready")
        #expect(head.status == .ok)
    }

    @Test func namespacesInUseByClientsAreListed() throws {
        var broker = AdminHarness()
        let connection = broker.connect()
        broker.publish("persistent://acme/billing/invoices", ["x"], on: connection)
        #expect(try broker.json("/admin/v2/tenants") == ["acme", "public", "pulsar"])
        #expect(try broker.json("/admin/v2/namespaces/acme") == ["acme/billing"])
        #expect(try broker.json("/admin/v2/persistent/acme/billing") == ["persistent://acme/billing/invoices"])
    }

    @Test func partitionedTopicCreatedOverRESTIsAnsweredOnTheBinaryProtocol() throws {
        var broker = AdminHarness()
        let (created, _) = broker.admin("PUT", path + "/partitions", body: "3")
        #expect(created.status == .noContent)
        #expect(broker.state.partitionedTopics[try TopicName(topic)] == 3)
        #expect(try broker.json(path + "/partitions") == ["partitions": 3, "deleted": false])
        #expect(try broker.json("/admin/v2/persistent/public/default/partitioned") == [.string(topic)])
        #expect(try broker.json("/admin/v2/persistent/public/default") == .strings((0..<3).map { "\(topic)-partition-\($0)" }))

        let connection = broker.connect()
        let replies = broker.send(.partitionedMetadata(CommandPartitionedTopicMetadata(topic: topic, requestId: 7)), from: connection)
        guard case .partitionedMetadataResponse(let response)? = replies[connection]?.first else {
            Issue.record("no PARTITIONED_METADATA answer: \(replies)")
            return
        }
        #expect(response.partitions == 3)
        let published = broker.publish(topic + "-partition-1", ["a", "b"], on: connection)
        #expect(published[connection]?.filter { if case .sendReceipt = $0 { true } else { false } }.count == 2)
        let stats = try broker.json(path + "/partitioned-stats")
        #expect(stats["msgInCounter"] == 2)
        #expect(stats["metadata"] == ["partitions": 3])
        #expect(stats["partitions"]?["\(topic)-partition-1"]?["msgInCounter"] == 2)
    }

    @Test func partitionRequestsAreChecked() {
        var broker = AdminHarness()
        #expect(broker.admin("PUT", path + "/partitions", body: "0").0.status == .notAcceptable)
        #expect(broker.admin("PUT", path + "/partitions", body: "{").0.status == .badRequest)
        #expect(broker.admin("PUT", path + "/partitions", body: "\"2\"").0.status == .noContent)
        #expect(broker.admin("PUT", path + "/partitions", body: "2").0.status == .conflict)
        #expect(broker.admin("PUT", path, body: "").0.status == .conflict)
        #expect(broker.admin("POST", path + "/partitions", body: "2").0.status == .conflict)
        #expect(broker.admin("POST", path + "/partitions", body: "5").0.status == .noContent)
        // Only the count is recorded; a partition becomes a topic when first used.
        #expect(broker.state.topics.isEmpty)
        #expect(try! broker.json(path + "/partitioned-stats")["metadata"] == ["partitions": 5])
        #expect(broker.admin("GET", path + "-partition-4/stats").0.status == .ok)
        #expect(broker.state.topics.keys.map(\.description) == [topic + "-partition-4"])
        #expect(broker.admin("PUT", "/admin/v2/persistent/public/default/x-partition-1/partitions", body: "2").0.status == .preconditionFailed)
        #expect(broker.admin("DELETE", path + "/partitions").0.status == .noContent)
        #expect(broker.state.topics.isEmpty && broker.state.partitionedTopics.isEmpty)
    }

    @Test func partitionCountsAboveTheLimitAreRefusedWithoutWork() {
        var limited = EmulatorConfiguration()
        limited.limits.maxPartitionsPerTopic = 16
        var broker = AdminHarness(configuration: limited)
        let refused = broker.admin("PUT", path + "/partitions", body: "17")
        #expect(refused.0.status == .notAcceptable)
        #expect(String(decoding: refused.0.body, as: UTF8.self).contains("less than or equal to 16"))
        #expect(broker.admin("PUT", path + "/partitions", body: "2147483648").0.status == .badRequest)
        #expect(broker.admin("PUT", path + "/partitions", body: "16").0.status == .noContent)
        #expect(broker.admin("POST", path + "/partitions", body: "17").0.status == .notAcceptable)
        #expect(broker.state.partitionedTopics.values.first == 16)
        // No limit: a huge count is recorded, and nothing is built for partitions nobody uses.
        var noLimit = EmulatorConfiguration()
        noLimit.limits.maxPartitionsPerTopic = 0
        var unlimited = AdminHarness(configuration: noLimit)
        #expect(unlimited.admin("PUT", path + "/partitions", body: "2147483647").0.status == .noContent)
        #expect(unlimited.state.topics.isEmpty)
    }

    @Test func statsFollowPublishingDispatchAndAcknowledgement() throws {
        var broker = AdminHarness()
        let consumerConnection = broker.connect()
        broker.subscribe(topic, "sub", consumerId: 1, on: consumerConnection)
        let producerConnection = broker.connect()
        let published = broker.publish(topic, ["a", "bb", "ccc"], on: producerConnection)
        #expect(published[consumerConnection]?.compactMap(\.messageEntryId) == [0, 1, 2])
        broker.send(.ack(CommandAck(consumerId: 1, ackType: .individual, messageId: [MessageIdData(ledgerId: 1, entryId: 1)])),
                    from: consumerConnection)

        let stats = try broker.json(path + "/stats")
        #expect(stats["msgInCounter"] == 3)
        #expect(stats["msgOutCounter"] == 3)
        #expect(stats["publishers"]?.array?.first?["producerName"] == "producer-1")
        #expect(stats["publishers"]?.array?.first?["address"] == "/127.0.0.1:40002")
        #expect(stats["publishers"]?.array?.first?["connectedSince"] == "2023-11-14T22:13:20.000Z")
        let subscription = try #require(stats["subscriptions"]?["sub"])
        #expect(subscription["msgBacklog"] == 2)
        #expect(subscription["unackedMessages"] == 2)
        #expect(subscription["type"] == "Exclusive")
        #expect(subscription["activeConsumerName"] == "consumer-1")
        #expect(subscription["consumers"]?.array?.first?["availablePermits"] == 97)

        let internals = try broker.json(path + "/internalStats")
        #expect(internals["entriesAddedCounter"] == 3)
        #expect(internals["lastConfirmedEntry"] == "1:2")
        #expect(internals["cursors"]?["sub"]?["markDeletePosition"] == "1:-1")
        #expect(internals["cursors"]?["sub"]?["readPosition"] == "1:3")
        #expect(internals["cursors"]?["sub"]?["individuallyDeletedMessages"] == "[(1:0..1:1]]")
        #expect(internals["cursors"]?["sub"]?["messagesConsumedCounter"] == 1)
    }

    @Test func resetCursorClosesAttachedConsumersAndMovesTheCursor() throws {
        var broker = AdminHarness()
        let producerConnection = broker.connect()
        broker.publish(topic, ["a", "b", "c", "d"], on: producerConnection)
        // Keep the entries once "sub" has acknowledged them: a second subscription that reads nothing.
        #expect(broker.admin("PUT", path + "/subscription/keeper", body: #"{"ledgerId":-1,"entryId":-1}"#).0.status == .noContent)
        let consumerConnection = broker.connect()
        broker.subscribe(topic, "sub", consumerId: 5, on: consumerConnection, earliest: true)
        broker.send(.ack(CommandAck(consumerId: 5, ackType: .cumulative, messageId: [MessageIdData(ledgerId: 1, entryId: 3)])),
                    from: consumerConnection)
        #expect(try broker.json(path + "/stats")["subscriptions"]?["sub"]?["msgBacklog"] == 0)

        let (reset, sent) = broker.admin("POST", path + "/subscription/sub/resetcursor", body: #"{"ledgerId":1,"entryId":1,"partitionIndex":-1}"#)
        #expect(reset.status == .noContent)
        #expect(sent[consumerConnection]?.compactMap(\.closedConsumerId) == [5])
        #expect(broker.state.consumers.isEmpty)
        #expect(try broker.json(path + "/stats")["subscriptions"]?["sub"]?["msgBacklog"] == 3)

        // The client reconnects its consumer and reads from entry 1 again.
        let redelivered = broker.subscribe(topic, "sub", consumerId: 5, on: consumerConnection)
        #expect(redelivered.compactMap(\.messageEntryId) == [1, 2, 3])

        let (byTime, closed) = broker.admin("POST", path + "/subscription/sub/resetcursor/\(broker.now + 3)")
        #expect(byTime.status == .noContent)
        #expect(closed[consumerConnection]?.compactMap(\.closedConsumerId) == [5])
        #expect(broker.subscribe(topic, "sub", consumerId: 5, on: consumerConnection).compactMap(\.messageEntryId) == [3])
    }

    @Test("SEEK and the admin resetcursor reset a subscription the same way", arguments: ["seek", "resetcursor"])
    func seekAndResetCursorShareOneReset(_ kind: String) throws {
        var broker = AdminHarness()
        let producerConnection = broker.connect(), consumerConnection = broker.connect()
        broker.publish(topic, ["a", "b", "c"], on: producerConnection)
        let delivered = broker.subscribe(topic, "sub", consumerId: 5, on: consumerConnection, type: .shared, earliest: true)
        #expect(delivered.compactMap(\.messageEntryId) == [0, 1, 2])
        broker.send(.redeliverUnacknowledgedMessages(CommandRedeliverUnacknowledgedMessages(
            consumerId: 5, messageIds: [MessageIdData(ledgerId: 1, entryId: 1)])), from: consumerConnection)

        let sent = kind == "seek"
            ? broker.send(.seek(CommandSeek(consumerId: 5, requestId: 99, messageId: MessageIdData(ledgerId: 1, entryId: 1))),
                          from: consumerConnection)
            : broker.admin("POST", path + "/subscription/sub/resetcursor", body: #"{"ledgerId":1,"entryId":1,"partitionIndex":-1}"#).1
        #expect(sent[consumerConnection]?.compactMap(\.closedConsumerId) == [5])
        let subscription = try #require(broker.state.topics[TopicName(topic)]?.subscriptions["sub"])
        #expect(subscription.consumers.isEmpty && broker.state.consumers.isEmpty)
        #expect(subscription.pending.isEmpty && subscription.redelivery.isEmpty && subscription.delayed.isEmpty)
        #expect(subscription.redeliveryCounts.isEmpty)

        // The client reconnects and reads from entry 1 as if for the first time.
        let again = broker.subscribe(topic, "sub", consumerId: 5, on: consumerConnection, type: .shared)
        let messages = again.compactMap { command -> CommandMessage? in
            if case .message(let message) = command { message } else { nil }
        }
        #expect(messages.map(\.messageId.entryId) == [1, 2])
        #expect(messages.allSatisfy { $0.redeliveryCount == 0 })
    }

    @Test func subscriptionsCanBeCreatedSkippedAndDeleted() throws {
        var broker = AdminHarness()
        let connection = broker.connect()
        broker.publish(topic, ["a", "b"], on: connection)
        #expect(broker.admin("PUT", path + "/subscription/from-start", body: #"{"ledgerId":-1,"entryId":-1}"#).0.status == .noContent)
        #expect(broker.admin("PUT", path + "/subscription/at-end").0.status == .noContent)
        #expect(broker.admin("PUT", path + "/subscription/at-end").0.status == .conflict)
        #expect(try broker.json(path + "/subscriptions") == ["at-end", "from-start"])
        #expect(try broker.json(path + "/stats")["subscriptions"]?["from-start"]?["msgBacklog"] == 2)
        #expect(try broker.json(path + "/stats")["subscriptions"]?["at-end"]?["msgBacklog"] == 0)

        let consumerConnection = broker.connect()
        let delivered = broker.subscribe(topic, "from-start", consumerId: 3, on: consumerConnection)
        #expect(delivered.compactMap(\.messageEntryId) == [0, 1])
        #expect(broker.admin("POST", path + "/subscription/from-start/skip_all").0.status == .noContent)
        let stats = try broker.json(path + "/stats")["subscriptions"]?["from-start"]
        #expect(stats?["msgBacklog"] == 0)
        #expect(stats?["unackedMessages"] == 0)
        #expect(stats?["consumers"]?.array?.first?["unackedMessages"] == 0)

        let (refused, _) = broker.admin("DELETE", path + "/subscription/from-start")
        #expect(refused.status == .preconditionFailed)
        let (deleted, sent) = broker.admin("DELETE", path + "/subscription/from-start?force=true")
        #expect(deleted.status == .noContent)
        #expect(sent[consumerConnection]?.compactMap(\.closedConsumerId) == [3])
        #expect(broker.state.connections[consumerConnection]?.consumers.isEmpty == true)
        #expect(try broker.json(path + "/subscriptions") == ["at-end"])
        #expect(broker.admin("DELETE", path + "/subscription/from-start").0.status == .notFound)
    }

    @Test func skipMovesPastEntriesOneByOne() throws {
        var broker = AdminHarness()
        let connection = broker.connect()
        #expect(broker.admin("PUT", path + "/subscription/sub").0.status == .noContent)
        broker.publish(topic, ["a", "b", "c"], on: connection)
        #expect(broker.admin("POST", path + "/subscription/sub/skip/2").0.status == .noContent)
        #expect(try broker.json(path + "/stats")["subscriptions"]?["sub"]?["msgBacklog"] == 1)
    }

    @Test func deletingATopicClosesItsClients() throws {
        var broker = AdminHarness()
        let connection = broker.connect()
        broker.subscribe(topic, "sub", consumerId: 9, on: connection)
        broker.publish(topic, ["a"], producerId: 4, on: connection)
        #expect(broker.admin("DELETE", path).0.status == .preconditionFailed)
        let (deleted, sent) = broker.admin("DELETE", path + "?force=true")
        #expect(deleted.status == .noContent)
        let commands = sent[connection] ?? []
        #expect(commands.contains { if case .closeProducer(let close) = $0 { close.producerId == 4 } else { false } })
        #expect(commands.compactMap(\.closedConsumerId) == [9])
        #expect(broker.state.topics.isEmpty && broker.state.producers.isEmpty && broker.state.consumers.isEmpty)
        #expect(broker.state.connections[connection]?.producers.isEmpty == true)
        #expect(broker.admin("GET", path + "/stats").0.status == .notFound)
    }

    @Test func unloadDisconnectsButKeepsTheTopic() throws {
        var broker = AdminHarness()
        let connection = broker.connect()
        broker.subscribe(topic, "sub", consumerId: 2, on: connection)
        broker.publish(topic, ["a"], producerId: 3, on: connection)
        let (unloaded, sent) = broker.admin("PUT", path + "/unload")
        #expect(unloaded.status == .noContent)
        #expect(sent[connection]?.count == 2)
        #expect(try broker.json(path + "/stats")["msgInCounter"] == 1)
        #expect(try broker.json(path + "/subscriptions") == ["sub"])
    }

    @Test func metricsHaveTopicLevelLines() throws {
        var broker = AdminHarness()
        let connection = broker.connect()
        broker.subscribe(topic, "sub", consumerId: 1, on: connection)
        broker.publish(topic, ["a", "b"], on: connection)
        let (response, _) = broker.admin("GET", "/metrics")
        #expect(response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
        let lines = Set(broker.text(response).split(separator: "\n").map(String.init))
        let labels = #"cluster="standalone",namespace="public/default",topic="\#(topic)""#
        for line in ["# TYPE pulsar_in_messages_total gauge", "pulsar_in_messages_total{\(labels)} 2",
                     "pulsar_producers_count{\(labels)} 1", "pulsar_consumers_count{\(labels)} 1",
                     "pulsar_subscriptions_count{\(labels)} 1", "pulsar_msg_backlog{\(labels)} 2",
                     #"pulsar_out_messages_total{\#(labels),subscription="sub"} 2"#,
                     #"pulsar_topics_count{cluster="standalone",namespace="public/default"} 1"#] {
            #expect(lines.contains(line), "\(line)")
        }
        #expect(PrometheusMetrics.escape("a\"b\\c\nd") == #"a\"b\\c\nd"#)
    }

    @Test func metricsAndJSONAreRenderedAfterTheLockIsReleased() {
        var broker = AdminHarness()
        let connection = broker.connect()
        broker.publish(topic, ["a"], on: connection)
        // Under the lock the router only takes a snapshot; the HTTP server renders it once the lock is released.
        guard case .rendered(let render) = broker.admin("GET", "/metrics").0.content else {
            Issue.record("/metrics rendered under the lock")
            return
        }
        broker.publish(topic, ["b"], on: connection)
        #expect(String(decoding: render(), as: UTF8.self).contains("pulsar_in_messages_total{cluster=\"standalone\",namespace=\"public/default\",topic=\"\(topic)\"} 1"),
                "the snapshot holds the figures of its moment")
        guard case .json = broker.admin("GET", "/admin/v2/persistent/public/default").0.content else {
            Issue.record("a JSON answer encoded under the lock")
            return
        }
    }

    @Test func tenantAndNamespaceLifecycle() throws {
        var broker = AdminHarness()
        #expect(broker.admin("PUT", "/admin/v2/namespaces/acme/ns").0.status == .notFound)
        #expect(broker.admin("PUT", "/admin/v2/tenants/acme", body: #"{"adminRoles":["ops"]}"#).0.status == .noContent)
        #expect(broker.admin("PUT", "/admin/v2/tenants/acme").0.status == .conflict)
        #expect(try broker.json("/admin/v2/tenants/acme") == ["adminRoles": ["ops"], "allowedClusters": ["standalone"]])
        #expect(broker.admin("PUT", "/admin/v2/namespaces/acme/ns").0.status == .noContent)
        #expect(broker.admin("PUT", "/admin/v2/namespaces/acme/ns").0.status == .conflict)
        #expect(broker.admin("PUT", "/admin/v2/persistent/acme/ns/t").0.status == .noContent)
        #expect(broker.admin("DELETE", "/admin/v2/namespaces/acme/ns").0.status == .conflict)
        #expect(broker.admin("DELETE", "/admin/v2/tenants/acme").0.status == .conflict)
        #expect(broker.admin("DELETE", "/admin/v2/namespaces/acme/ns?force=true").0.status == .noContent)
        #expect(broker.admin("DELETE", "/admin/v2/tenants/acme").0.status == .noContent)
        #expect(broker.admin("GET", "/admin/v2/tenants/acme").0.status == .notFound)
    }

    @Test func errorsUseTheBrokersStatusCodesAndAReason() throws {
        var broker = AdminHarness()
        let (missing, _) = broker.admin("GET", path + "/stats")
        #expect(missing.status == .notFound)
        #expect(try JSONValue.parse(missing.body) == ["reason": .string("Topic \(topic) not found")])
        let (notAllowed, _) = broker.admin("DELETE", "/admin/v2/clusters")
        #expect(notAllowed.status == .methodNotAllowed && notAllowed.headers["Allow"] == "GET")
        #expect(broker.admin("GET", path).0.status == .methodNotAllowed)
        let (badBody, _) = broker.admin("PUT", "/admin/v2/tenants/x", body: "{nope")
        #expect(badBody.status == .badRequest)
        // The parser's own words and where it stopped; no error type or code of another module in the reason.
        #expect(try JSONValue.parse(badBody.body)
            == ["reason": "Request body is not valid JSON: expected a member name (at byte 1)"])
        #expect(broker.admin("GET", "/admin/v2/persistent/public/default/a%2Fb/stats").0.status == .preconditionFailed)
        #expect(broker.admin("GET", "/admin/v2/namespaces/bad*tenant").0.status == .preconditionFailed)
        #expect(broker.admin("GET", "/admin/v2/persistent/public/nothing").0.status == .notFound)
        #expect(broker.admin("GET", "/admin/v3/anything").0.status == .notFound)
        #expect(broker.admin("POST", path + "/subscription/s/resetcursor/soon").0.status == .badRequest)
        #expect(broker.admin("POST", path + "/subscription/s/resetcursor", body: "[]").0.status == .badRequest)
    }

    @Test func isoTimestamps() {
        #expect(BrokerState.isoTimestamp(0) == "1970-01-01T00:00:00.000Z")
        #expect(BrokerState.isoTimestamp(1_700_000_000_123) == "2023-11-14T22:13:20.123Z")
        #expect(BrokerState.isoTimestamp(951_825_600_000) == "2000-02-29T12:00:00.000Z")
        #expect(BrokerState.isoTimestamp(-1) == "1969-12-31T23:59:59.999Z")
    }
}

extension JSONValue {
    var array: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}
