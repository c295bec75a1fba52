import Foundation
import PulsarClient
import PulsarWire

// pulsar-client-probe: drives the Swift client from the interop tests (Tests/Interop/test_swift_client.py).
// Every result is one JSON object per line on standard output.
let usage = """
    usage:
      pulsar-client-probe produce --url URL --topic T --count N [--batching on|off] [--compression none|lz4|zlib|zstd|snappy]
                                  [--key K] [--property k=v]... [--event-time MS] [--prefix TEXT]
          sends N messages "<prefix><i>" pipelined, then prints {"index", "ledger", "entry", "partition", "batch_index"} each
      pulsar-client-probe consume --url URL --topic T --subscription S --count N [--type exclusive|shared] [--timeout-ms MS]
          subscribes from the earliest message, prints {"ready": true}, then one line per message received (acknowledged)
    """

struct Arguments {
    var command = ""
    var values: [String: [String]] = [:]

    init(_ raw: [String]) throws {
        guard let first = raw.first else { throw ProbeError("missing command") }
        command = first
        var index = 1
        while index < raw.count {
            let name = raw[index]
            guard name.hasPrefix("--"), index + 1 < raw.count else { throw ProbeError("bad argument \(name)") }
            values[String(name.dropFirst(2)), default: []].append(raw[index + 1])
            index += 2
        }
    }

    func string(_ name: String) throws -> String {
        guard let value = values[name]?.last else { throw ProbeError("--\(name) is required") }
        return value
    }

    func optional(_ name: String) -> String? { values[name]?.last }

    func int(_ name: String, default fallback: Int? = nil) throws -> Int {
        guard let text = values[name]?.last else {
            guard let fallback else { throw ProbeError("--\(name) is required") }
            return fallback
        }
        guard let value = Int(text) else { throw ProbeError("--\(name) must be a number") }
        return value
    }
}

struct ProbeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct Produced: Encodable {
    var index: Int
    var ledger: Int64
    var entry: Int64
    var partition: Int32
    var batch_index: Int32
}

struct Received: Encodable {
    var payload: String
    var key: String?
    var properties: [String: String]
    var event_time: UInt64?
    var publish_time: UInt64
    var redelivery_count: UInt32
    var producer_name: String
    var ledger: Int64
    var entry: Int64
    var batch_index: Int32
    var topic: String
}

let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
}()

func emit(_ value: some Encodable) throws {
    let data = try encoder.encode(value) + Data("\n".utf8)
    FileHandle.standardOutput.write(data)
}

func codec(_ name: String) throws -> PayloadCompression.Codec {
    switch name.lowercased() {
    case "none": .none
    case "lz4": .lz4
    case "zlib": .zlib
    case "zstd": .zstd
    case "snappy": .snappy
    default: throw ProbeError("unknown compression \(name)")
    }
}

func client(_ arguments: Arguments) throws -> PulsarClient {
    var configuration = ClientConfiguration(serviceURL: try arguments.string("url"))
    configuration.operationTimeout = .seconds(10)
    return try PulsarClient(configuration: configuration)
}

func produce(_ arguments: Arguments) async throws {
    let client = try client(arguments)
    var options = ProducerOptions()
    options.batchingEnabled = (arguments.optional("batching") ?? "on") == "on"
    options.compression = try codec(arguments.optional("compression") ?? "none")
    let producer = try await client.makeProducer(topic: try arguments.string("topic"), options: options)
    var properties: [String: String] = [:]
    for pair in arguments.values["property"] ?? [] {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw ProbeError("--property wants k=v, got \(pair)") }
        properties[parts[0]] = parts[1]
    }
    let send = SendOptions(key: arguments.optional("key"), properties: properties,
                           eventTime: arguments.optional("event-time").flatMap(UInt64.init))
    let prefix = arguments.optional("prefix") ?? "message-"
    var receipts: [SendReceipt] = []
    for index in 0..<(try arguments.int("count")) {
        receipts.append(try await producer.enqueue(Array("\(prefix)\(index)".utf8), options: send))
    }
    try await producer.flush()
    for (index, receipt) in receipts.enumerated() {
        let id = try await receipt.messageID()
        try emit(Produced(index: index, ledger: id.ledgerId, entry: id.entryId, partition: id.partition, batch_index: id.batchIndex))
    }
    await client.close()
}

func consume(_ arguments: Arguments) async throws {
    let client = try client(arguments)
    var options = ConsumerOptions()
    options.initialPosition = .earliest
    options.subscriptionType = arguments.optional("type") == "shared" ? .shared : .exclusive
    let consumer = try await client.subscribe(topic: try arguments.string("topic"),
                                              subscription: try arguments.string("subscription"), options: options)
    try emit(["ready": true])
    let timeout = Duration.milliseconds(try arguments.int("timeout-ms", default: 10_000))
    for _ in 0..<(try arguments.int("count")) {
        guard let message = try await consumer.receive(timeout: timeout) else { throw ProbeError("timed out waiting for a message") }
        try consumer.acknowledge(message)
        let id = message.messageID
        try emit(Received(payload: message.string, key: message.key, properties: message.properties,
                          event_time: message.eventTime, publish_time: message.publishTime,
                          redelivery_count: message.redeliveryCount, producer_name: message.producerName,
                          ledger: id.ledgerId, entry: id.entryId, batch_index: id.batchIndex, topic: message.topic))
    }
    await client.close()
}

do {
    let arguments = try Arguments(Array(CommandLine.arguments.dropFirst()))
    switch arguments.command {
    case "produce": try await produce(arguments)
    case "consume": try await consume(arguments)
    default: throw ProbeError("unknown command \(arguments.command)")
    }
} catch {
    FileHandle.standardError.write(Data("pulsar-client-probe: \(error)\n\(usage)\n".utf8))
    exit(1)
}
