import Foundation
import PulsarClient

/// The Swift client's half of `pulsar-bench client`.
struct SwiftClientRun {
    let serviceURL: String
    let settings: ClientBenchmark.Settings

    func run() async throws -> ClientBenchmark.Figures {
        var configuration = ClientConfiguration(serviceURL: serviceURL)
        configuration.logger = .silent
        let client = try PulsarClient(configuration: configuration)
        let payload = [UInt8](repeating: 0x61, count: settings.payloadSize)
        _ = try await produce(client, topic: topic("warm-up"), count: min(settings.messages, 50_000), payload: payload)

        let backlog = topic("backlog")
        let produceRate = try await produce(client, topic: backlog, count: settings.messages, payload: payload)
        say("  swift: batched async produce \(format(produceRate, 0)) msg/s")
        let consumeRate = try await consumeBacklog(client, topic: backlog, count: settings.messages)
        say("  swift: consume + acknowledge \(format(consumeRate, 0)) msg/s")
        let endToEndRate = try await endToEnd(client, count: settings.messages, payload: payload)
        say("  swift: end to end \(format(endToEndRate, 0)) msg/s")
        let send = try await sendLatencies(client, payload: payload)
        let roundTrip = try await publishToReceive(client, payload: payload)
        await client.close()
        return ClientBenchmark.Figures(
            produce: produceRate, consume: consumeRate, endToEnd: endToEndRate,
            sendP50: percentile(send, 0.50), sendP99: percentile(send, 0.99),
            roundTripP50: percentile(roundTrip, 0.50), roundTripP99: percentile(roundTrip, 0.99))
    }

    private func topic(_ name: String) -> String { "persistent://public/default/bench-\(name)-\(UUID().uuidString.prefix(8))" }

    /// Messages per second of pipelined sends with the default batching, until the last receipt.
    private func produce(_ client: PulsarClient, topic: String, count: Int, payload: [UInt8]) async throws -> Double {
        let producer = try await client.makeProducer(topic: topic)
        let clock = ContinuousClock()
        let start = clock.now
        var last: SendReceipt?
        for _ in 0..<count { last = try await producer.enqueue(payload) }
        _ = try await last?.messageID()
        let elapsed = clock.now - start
        await producer.close()
        return Double(count) / seconds(elapsed)
    }

    /// Messages per second received and acknowledged from a stored backlog.
    private func consumeBacklog(_ client: PulsarClient, topic: String, count: Int) async throws -> Double {
        var options = ConsumerOptions()
        options.initialPosition = .earliest
        let consumer = try await client.subscribe(topic: topic, subscription: "bench", options: options)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<count { try consumer.acknowledge(try await consumer.receive()) }
        let elapsed = clock.now - start
        await consumer.close()
        return Double(count) / seconds(elapsed)
    }

    /// Messages per second from the first send to the last message received (and acknowledged).
    private func endToEnd(_ client: PulsarClient, count: Int, payload: [UInt8]) async throws -> Double {
        let topic = topic("e2e")
        let consumer = try await client.subscribe(topic: topic, subscription: "bench")
        let producer = try await client.makeProducer(topic: topic)
        let clock = ContinuousClock()
        let start = clock.now
        let sender = Task {
            for _ in 0..<count { _ = try await producer.enqueue(payload) }
            try await producer.flush()
        }
        for _ in 0..<count { try consumer.acknowledge(try await consumer.receive()) }
        let elapsed = clock.now - start
        try await sender.value
        await producer.close()
        await consumer.close()
        return Double(count) / seconds(elapsed)
    }

    /// Microseconds from `send` to its receipt, one message at a time (batching off, as for the Python client).
    private func sendLatencies(_ client: PulsarClient, payload: [UInt8]) async throws -> [Double] {
        var options = ProducerOptions()
        options.batchingEnabled = false
        let producer = try await client.makeProducer(topic: topic("send"), options: options)
        let clock = ContinuousClock()
        var latencies: [Double] = []
        latencies.reserveCapacity(settings.roundTrips)
        for index in 0..<(settings.roundTrips + 200) {
            let start = clock.now
            try await producer.send(payload)
            if index >= 200 { latencies.append(seconds(clock.now - start) * 1e6) }
        }
        await producer.close()
        return latencies
    }

    /// Microseconds from `send` until the consumer has the message, one message at a time.
    private func publishToReceive(_ client: PulsarClient, payload: [UInt8]) async throws -> [Double] {
        let topic = topic("rtt")
        let consumer = try await client.subscribe(topic: topic, subscription: "bench")
        let producer = try await client.makeProducer(topic: topic)
        let clock = ContinuousClock()
        var latencies: [Double] = []
        latencies.reserveCapacity(settings.roundTrips)
        for index in 0..<(settings.roundTrips + 200) {
            let start = clock.now
            let receipt = try await producer.enqueue(payload)
            try await producer.flush()
            let message = try await consumer.receive()
            if index >= 200 { latencies.append(seconds(clock.now - start) * 1e6) }
            try consumer.acknowledge(message)
            _ = try await receipt.messageID()
        }
        await producer.close()
        await consumer.close()
        return latencies
    }
}

func seconds(_ duration: Duration) -> Double { duration.nanoseconds / 1e9 }

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}
