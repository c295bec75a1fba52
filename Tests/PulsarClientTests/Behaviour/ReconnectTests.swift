import PulsarClient
import PulsarEmulator
import PulsarWire
import Synchronization
import Testing

@Suite("Reconnecting after the broker cuts every connection", .timeLimit(.minutes(1)))
struct ReconnectTests {
    func fastReconnect(_ configuration: inout ClientConfiguration) {
        configuration.initialReconnectBackoff = .milliseconds(20)
        configuration.maxReconnectBackoff = .milliseconds(200)
    }

    @Test("a producer resends what was not acknowledged, in order, and nothing is lost", arguments: BrokerKind.allCases)
    func producerResends(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            try broker.skip(onPulsarLite: "its connections cannot be cut from the test (no fault proxy in front of it)")
            let emulator = try #require(broker.emulator)
            let client = try broker.client(fastReconnect)
            let topic = uniqueTopic("resend")
            var options = ProducerOptions()
            options.maxPendingMessages = 5000
            options.batchingMaxMessages = 100
            let producer = try await client.makeProducer(topic: topic, options: options)
            let count = 3000
            let acknowledged = Atomic(0)
            let before = Set(emulator.connections().map(\.id))
            var receipts: [SendReceipt] = []
            for index in 0..<count {
                receipts.append(try await producer.enqueue(bytes(String(index))))
                if index == 1000 {
                    // Cut while about a thousand messages are queued or in flight.
                    emulator.disconnectAllClients()
                }
            }
            for receipt in receipts {
                _ = try await receipt.messageID()
                acknowledged.add(1, ordering: .relaxed)
            }
            #expect(acknowledged.load(ordering: .relaxed) == count)
            #expect(Set(emulator.connections().map(\.id)).isDisjoint(with: before), "the client reconnected")
            // What the broker stored: every message, first occurrences in order; resends (of entries whose receipt
            // was lost with the connection) only repeat an earlier run and then continue in sequence.
            var stored: [Int] = []
            for entry in emulator.storedEntries(topic: topic) {
                let metadata = try entry.metadata()
                for message in try BatchCodec.decode(entry.payload, count: Int(metadata.numMessagesInBatch)) {
                    stored.append(Int(String(decoding: message.payload, as: UTF8.self))!)
                }
            }
            var firstSeen: [Int] = []
            var seen = Set<Int>()
            for value in stored where seen.insert(value).inserted { firstSeen.append(value) }
            #expect(firstSeen == Array(0..<count))
            for (previous, value) in zip(stored, stored.dropFirst()) {
                #expect(value == previous + 1 || value <= previous, "out of order after \(previous): \(value)")
            }
            await client.close()
        }
    }

    @Test("a consumer gets its unacknowledged messages again and misses nothing", arguments: BrokerKind.allCases)
    func consumerResubscribes(kind: BrokerKind) async throws {
        try await withBroker(kind) { broker in
            try broker.skip(onPulsarLite: "its connections cannot be cut from the test (no fault proxy in front of it)")
            let emulator = try #require(broker.emulator)
            let client = try broker.client(fastReconnect)
            let topic = uniqueTopic("resub")
            var options = ConsumerOptions()
            options.initialPosition = .earliest
            options.receiverQueueSize = 50
            options.ackGroupingInterval = .zero
            let consumer = try await client.subscribe(topic: topic, subscription: "s", options: options)
            var producerOptions = ProducerOptions()
            producerOptions.batchingEnabled = false
            let producer = try await client.makeProducer(topic: topic, options: producerOptions)
            for index in 0..<500 { _ = try await producer.enqueue(bytes(String(index))) }
            try await producer.flush()
            let acknowledged = try await receive(100, from: consumer)
            let held = try await receive(10, from: consumer, acknowledge: false)
            try await eventually("the broker to register 100 acknowledgements") {
                emulator.subscription("s", topic: topic)?.markDeletePosition == acknowledged.last!.messageID.entryId
            }
            emulator.disconnectAllClients()
            // Messages queued before the client noticed the cut may still come first; then the broker resends, in
            // order, everything not acknowledged: the held messages come again and nothing is missing.
            var heldAgain: [MessageID] = []
            var missing = Set((110..<500).map(String.init))
            let heldIDs = Set(held.map(\.messageID))
            let deadline = ContinuousClock.now + .seconds(60)
            while heldAgain.count < held.count || !missing.isEmpty {
                guard ContinuousClock.now < deadline,
                      let message = try await consumer.receive(timeout: .seconds(10)) else {
                    Issue.record("still missing \(missing.count) messages and \(held.count - heldAgain.count) redeliveries")
                    break
                }
                try consumer.acknowledge(message)
                if heldIDs.contains(message.messageID) { heldAgain.append(message.messageID) }
                missing.remove(message.string)
            }
            #expect(heldAgain == held.map(\.messageID), "the unacknowledged messages come again, in order")
            #expect(emulator.connections().count == 1, "one new connection")
            await client.close()
        }
    }
}
