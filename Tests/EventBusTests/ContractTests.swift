import EventBus
import PulsarEmulator
import Synchronization
import Testing

/// Coze Studio's Pulsar semantics, each against the in-process emulator.
@Suite("EventBus: Coze Studio's contract", .timeLimit(.minutes(2)))
struct ContractTests {
    @Test("an Exclusive subscription named after the group starts at Latest; messages carry the configured topic")
    func subscriptionAndPosition() async throws {
        try await withBus { harness in
            let topic = uniqueTopic("position")
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_position")
            try await producer.send(bytes("before"), options: [])
            let seen = Recorder<EventMessage>()
            let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_position") { message in
                seen.append(message)
            }
            let subscription = try #require(harness.subscription("cg_position", topic: topic))
            #expect(subscription.type == .exclusive)
            try await producer.send(bytes("after"), options: .shardingKey("k1"), .properties(["kind": "test"]))
            try await until(registration, "the message to be handled") { $0.handled == 1 }
            // The broker dispatches in order: had "before" been delivered it would have come first.
            let message = try #require(seen.all.first)
            #expect(seen.all.count == 1)
            #expect(message.string == "after")
            #expect(message.topic == topic)
            #expect(message.group == "cg_position")
            #expect(message.key == "k1")
            #expect(message.properties["kind"] == "test")
            #expect(message.redeliveryCount == 0)
            #expect(message.publishTime > 0)
            #expect(registration.counters.received == 1)
        }
    }

    @Test("one message at a time, in order, acknowledged on success")
    func orderlyAndAcknowledged() async throws {
        try await withBus { harness in
            let topic = uniqueTopic("order")
            let running = Atomic(0)
            let maxRunning = Atomic(0)
            let seen = Recorder<String>()
            let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_order") { message in
                let now = running.add(1, ordering: .sequentiallyConsistent).newValue
                _ = maxRunning.max(now, ordering: .sequentiallyConsistent)
                for _ in 0..<5 { await Task.yield() }
                seen.append(message.string)
                running.subtract(1, ordering: .sequentiallyConsistent)
            }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_order")
            let bodies = (0..<30).map { "m\($0)" }
            try await producer.batchSend(bodies.map(bytes), options: [])
            try await until(registration, "30 messages handled") { $0.handled == 30 }
            #expect(seen.all == bodies)
            let mostRunning = maxRunning.load(ordering: .sequentiallyConsistent)
            #expect(mostRunning == 1)
            try await eventually("every message acknowledged on the broker") {
                harness.subscription("cg_order", topic: topic).map { $0.backlog == 0 && $0.unacknowledged == 0 } == true
            }
        }
    }

    @Test("a handler error negatively acknowledges; the message comes back after the nack delay (60 s by default)")
    func nackAndRedelivery() async throws {
        #expect(EventConsumerOptions().nackRedeliveryDelay == .seconds(60))
        #expect(EventConsumerOptions().retry == nil)
        try await withBus { harness in
            let topic = uniqueTopic("nack")
            let attempts = Recorder<MessageID>()
            let registration = try await harness.bus.registerConsumer(
                topic: topic, group: "cg_nack", options: .nackRedeliveryDelay(.milliseconds(20))
            ) { message in
                attempts.append(message.messageID)
                if attempts.all.count == 1 { throw HandlerFailure() }
            }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_nack")
            try await producer.send(bytes("flaky"), options: [])
            try await until(registration, "the redelivered message to be handled") { $0.handled == 1 }
            let counters = registration.counters
            #expect(counters.failed == 1)
            #expect(counters.retried == 1)
            #expect(counters.received == 2)
            #expect(attempts.all.count == 2)
            #expect(Set(attempts.all).count == 1, "the same message, redelivered")
        }
    }

    @Test("producers are named <group>-producer: a second replica gets ProducerBusy")
    func producerBusy() async throws {
        try await withBus { harness in
            let topic = uniqueTopic("busy")
            let first = try await harness.bus.makeProducer(topic: topic, group: "cg_knowledge")
            #expect(first.name == "cg_knowledge-producer")
            #expect(harness.emulator.topic(harness.qualified(topic))?.producers.map(\.name) == ["cg_knowledge-producer"])
            let error = await #expect(throws: EventBusError.self) {
                _ = try await harness.bus.makeProducer(topic: topic, group: "cg_knowledge")
            }
            #expect(error?.code == .producerBusy)
            #expect(error?.message.contains("cg_knowledge-producer") == true)
            #expect(error?.message.contains("another replica") == true)
            #expect(error?.underlying?.code == .producerBusy)
            // Another group's producer on the same topic is fine.
            _ = try await harness.bus.makeProducer(topic: topic, group: "cg_other")
        }
    }

    @Test("a second consumer of the group gets ConsumerBusy")
    func consumerBusy() async throws {
        try await withBus { harness in
            let topic = uniqueTopic("cbusy")
            _ = try await harness.bus.registerConsumer(topic: topic, group: "cg_search_app") { _ in }
            let error = await #expect(throws: EventBusError.self) {
                _ = try await harness.bus.registerConsumer(topic: topic, group: "cg_search_app") { _ in }
            }
            #expect(error?.code == .consumerBusy)
            #expect(error?.message.contains("cg_search_app") == true)
            #expect(error?.message.contains("another replica") == true)
            #expect(harness.subscription("cg_search_app", topic: topic)?.consumers.count == 1)
        }
    }

    @Test("batchSend stores every body in order; an empty batch is a no-op")
    func batchSend() async throws {
        try await withBus { harness in
            let topic = uniqueTopic("batch")
            let seen = Recorder<String>()
            let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_batch") { message in
                seen.append(message.string)
            }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_batch")
            try await producer.batchSend([], options: .shardingKey("none"))
            try await producer.batchSend((0..<10).map { bytes("b\($0)") }, options: .shardingKey("k"))
            try await until(registration, "10 messages handled") { $0.handled == 10 }
            #expect(seen.all == (0..<10).map { "b\($0)" })
            #expect(registration.counters.received == 10, "the empty batch sent nothing")
        }
    }

    @Test("batchSend is not atomic: it returns the first error and the other bodies are stored")
    func batchSendFirstError() async throws {
        var configuration = EmulatorConfiguration()
        configuration.maxMessageSize = 10 * 1024
        try await withBus(configuration) { harness in
            let topic = uniqueTopic("partial")
            let seen = Recorder<String>()
            let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_partial") { message in
                seen.append(message.string)
            }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_partial")
            let tooLarge = [UInt8](repeating: 0x61, count: 20 * 1024)
            let error = await #expect(throws: EventBusError.self) {
                try await producer.batchSend([bytes("first"), tooLarge, bytes("third"), tooLarge], options: [])
            }
            #expect(error?.code == .sendFailed)
            #expect(error?.underlying?.code == .messageTooLarge)
            #expect(error?.message.contains("2 of 4") == true)
            #expect(error?.message.contains("#1") == true)
            try await until(registration, "the two small bodies handled") { $0.handled == 2 }
            #expect(seen.all == ["first", "third"])
        }
    }

    @Test("the sharding key is the message key: on a partitioned topic one key always lands on one partition")
    func shardingKeyPartition() async throws {
        let topic = uniqueTopic("sharded")
        var configuration = EmulatorConfiguration()
        configuration.partitionedTopics = ["persistent://public/default/\(topic)": 3]
        try await withBus(configuration) { harness in
            let seen = Recorder<EventMessage>()
            let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_sharded") { message in
                seen.append(message)
            }
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_sharded")
            let keys = (0..<8).map { "knowledge-\($0)" }
            for round in 0..<4 {
                for key in keys { try await producer.send(bytes("\(key)/\(round)"), options: .shardingKey(key)) }
            }
            try await until(registration, "32 messages handled") { $0.handled == 32 }
            var partitions: [String: Set<Int32>] = [:]
            var order: [String: [String]] = [:]
            for message in seen.all {
                let key = try #require(message.key)
                partitions[key, default: []].insert(message.messageID.partition)
                order[key, default: []].append(message.string)
                #expect(message.topic == topic, "the configured name, not the partition's")
            }
            #expect(partitions.count == 8)
            #expect(partitions.values.allSatisfy { $0.count == 1 }, "\(partitions)")
            #expect(Set(partitions.values.flatMap { $0 }).count > 1, "keys spread over the partitions")
            for key in keys { #expect(order[key] == (0..<4).map { "\(key)/\($0)" }) }
        }
    }

    @Test("a handler may publish from inside handleMessage (Coze's knowledge fan-out)")
    func fanOut() async throws {
        try await withBus { harness in
            let topic = uniqueTopic("knowledge")
            let producer = try await harness.bus.makeProducer(topic: topic, group: "cg_knowledge")
            let documents = Recorder<String>()
            let registration = try await harness.bus.registerConsumer(topic: topic, group: "cg_knowledge") { message in
                let text = message.string
                if text.hasPrefix("index:") {
                    let count = Int(text.dropFirst("index:".count)) ?? 0
                    try await producer.batchSend((1...count).map { bytes("document:\($0)") },
                                                 options: .shardingKey(message.key ?? ""))
                } else {
                    documents.append(text)
                }
            }
            try await producer.send(bytes("index:3"), options: .shardingKey("42"))
            try await until(registration, "the event and its three documents handled") { $0.handled == 4 }
            #expect(documents.all == ["document:1", "document:2", "document:3"])
        }
    }
}

/// A handler failure for tests.
struct HandlerFailure: Error, CustomStringConvertible {
    var description: String { "handler failure" }
}
