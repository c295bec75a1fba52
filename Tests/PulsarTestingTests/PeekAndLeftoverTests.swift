import Foundation
import PulsarTesting
import Testing

@Suite("PulsarTestHarness: peeking, leftovers, restarts and bad input", .timeLimit(.minutes(1)))
struct PeekAndLeftoverTests {
    @Test("messages(of:) unpacks batches and compression, keeps keys and properties, and acknowledges nothing")
    func peekUnpacksBatches() async throws {
        try await withPulsarTestHarness { harness in
            try await harness.publish("first", to: "peek", key: "k1", properties: ["source": "test"])
            let client = try harness.makeClient()
            var producerOptions = ProducerOptions()
            producerOptions.compression = .zstd
            let producer = try await client.makeProducer(topic: "peek", options: producerOptions)
            var receipts: [SendReceipt] = []
            for index in 1...3 { receipts.append(try await producer.enqueue(Array("batched-\(index)".utf8))) }
            try await producer.flush()
            for receipt in receipts { _ = try await receipt.messageID() }
            let messages = try await harness.messages(of: "peek")
            #expect(messages.map { String(decoding: $0.payload, as: UTF8.self) } == ["first", "batched-1", "batched-2", "batched-3"])
            #expect(messages[0].key == "k1")
            #expect(messages[0].properties == ["source": "test"])
            #expect(messages[1].messageID.ledgerId == messages[3].messageID.ledgerId)
            #expect(messages[1].messageID.entryId == messages[3].messageID.entryId)
            #expect(messages[3].messageID.batchIndex == 2)
            // Peeking twice gives the same answer: nothing was consumed.
            #expect(try await harness.texts(of: "peek") == ["first", "batched-1", "batched-2", "batched-3"])
            #expect(harness.emulator?.topic("peek")?.subscriptions.isEmpty == true)
            await client.close()
        }
    }

    @Test("messages(of:) reads every partition of a partitioned topic, and one key stays on one partition")
    func peekPartitions() async throws {
        var options = PulsarTestHarnessOptions()
        options.emulator.partitionedTopics = ["persistent://public/default/parts": 3]
        try await withPulsarTestHarness(options) { harness in
            let producer = try await harness.bus.makeProducer(topic: "parts", group: "g")
            for index in 0..<6 { try await producer.send(Array("m\(index)".utf8), options: .shardingKey("user-7")) }
            let messages = try await harness.messages(of: "parts")
            #expect(messages.count == 6)
            #expect(Set(messages.map(\.messageID.partition)).count == 1)  // one key, one partition
            #expect(messages.map { String(decoding: $0.payload, as: UTF8.self) } == (0..<6).map { "m\($0)" })
            await producer.close()
        }
    }

    @Test("leftovers() names registrations, producers, clients and unacknowledged messages; failOnLeftovers fails")
    func leftoversAreReported() async throws {
        var options = PulsarTestHarnessOptions()
        options.failOnLeftovers = true
        let error = await #expect(throws: PulsarTestHarnessError.self) {
            try await withPulsarTestHarness(options) { harness in
                let client = try harness.makeClient()
                var consumerOptions = ConsumerOptions()
                consumerOptions.subscriptionType = .shared
                let consumer = try await client.subscribe(topic: "left", subscription: "s", options: consumerOptions)
                _ = try await harness.bus.registerConsumer(topic: "left-bus", group: "cg") { _ in }
                _ = try await harness.bus.makeProducer(topic: "left-bus", group: "cg")
                try await harness.publish("x", to: "left")
                _ = try await consumer.receive()  // delivered, never acknowledged
                try await harness.settle()
                let leftovers = harness.leftovers()
                #expect(leftovers.registrations == ["left-bus/cg"])
                #expect(leftovers.producers == ["left-bus (cg-producer)"])
                #expect(leftovers.clients == 1)
                #expect(leftovers.unacknowledged == ["persistent://public/default/left / s: 1"])
            }
        }
        #expect(error?.code == .leftovers)
        #expect(error?.description.contains("registrations not stopped: left-bus/cg") == true)
    }

    @Test("a clean test leaves nothing behind")
    func cleanTestLeavesNothing() async throws {
        var options = PulsarTestHarnessOptions()
        options.failOnLeftovers = true
        try await withPulsarTestHarness(options) { harness in
            let registration = try await harness.bus.registerConsumer(topic: "clean", group: "cg") { _ in }
            try await harness.publish("x", to: "clean")
            try await harness.until("handled") { harness.handled().count == 1 }
            await registration.stop()
            #expect(harness.leftovers().isEmpty)
        }
    }

    @Test("restartBroker() drops every connection; the bus reconnects and handles what is published after")
    func restartMidStream() async throws {
        try await withPulsarTestHarness { harness in
            let seen = Collected<String>()
            _ = try await harness.bus.registerConsumer(topic: "restart", group: "cg") { seen.append($0.string) }
            try await harness.publish("before", to: "restart")
            try await harness.until("before handled") { seen.count == 1 }
            let connectionsBefore = harness.emulator?.connections().map(\.id) ?? []
            try await harness.restartBroker()
            try await harness.publish("after", to: "restart")
            try await harness.until("after handled") { seen.count == 2 }
            #expect(seen.all == ["before", "after"])
            let connectionsAfter = harness.emulator?.connections().map(\.id) ?? []
            #expect(Set(connectionsAfter).isDisjoint(with: connectionsBefore))
        }
    }

    @Test("bad input gets a typed error")
    func badInput() async throws {
        try await withPulsarTestHarness { harness in
            let publish = await #expect(throws: PulsarTestHarnessError.self) { try await harness.publish("x", to: "") }
            #expect(publish?.code == .invalidArgument)
            let peek = await #expect(throws: PulsarTestHarnessError.self) { _ = try await harness.messages(of: "") }
            #expect(peek?.code == .invalidArgument)
            let malformed = await #expect(throws: PulsarTestHarnessError.self) { _ = try await harness.messages(of: "a://b") }
            #expect(malformed?.code == .invalidArgument)
            let negative = await #expect(throws: PulsarTestHarnessError.self) { try await harness.runUntilIdle(limit: .seconds(-1)) }
            #expect(negative?.code == .invalidArgument)
        }
    }
}
