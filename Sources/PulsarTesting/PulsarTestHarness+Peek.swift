import PulsarSupport
import PulsarWire

/// What a test reads without a consumer of its own: a topic's stored messages, and what the bus's registrations did.
extension PulsarTestHarness {
    /// The messages stored on `topic` (short or full name; every partition of a partitioned topic, partition by
    /// partition), oldest first, batches unpacked. Peeking acknowledges nothing and creates no subscription on the
    /// in-process emulator; against an external broker it reads with a non-durable reader from the earliest message.
    ///
    /// - Throws: ``PulsarTestHarnessError/Code/invalidArgument`` for an empty or malformed topic name; a client error
    ///   when an external broker cannot be read.
    public func messages(of topic: String) async throws -> [Message] {
        guard !topic.isEmpty else { throw PulsarTestHarnessError(.invalidArgument, "messages(of:) needs a topic") }
        let full = try Self.fullName(topic)
        guard let emulator else { return try await readAll(full) }
        let partitionPrefix = full + "-partition-"
        let partitions = emulator.topicNames().filter { $0.hasPrefix(partitionPrefix) }
            .sorted { (Int($0.dropFirst(partitionPrefix.count)) ?? 0) < (Int($1.dropFirst(partitionPrefix.count)) ?? 0) }
        var messages: [Message] = []
        for name in partitions.isEmpty ? [full] : partitions {
            let partition = partitions.isEmpty ? Int32(-1) : Int32(name.dropFirst(partitionPrefix.count)) ?? -1
            for stored in emulator.storedEntriesWithIDs(topic: name) {
                switch MessageDecoder.decode(stored.entry, ledgerId: stored.ledgerId, entryId: stored.entryId,
                                             redeliveryCount: 0, topic: name, partition: partition, source: 0) {
                case .success(let decoded): messages += decoded
                case .failure(let failure):
                    throw PulsarTestHarnessError(.invalidArgument, "entry \(stored.ledgerId):\(stored.entryId) of \(name) does not decode: \(failure.message)")
                }
            }
        }
        return messages
    }

    /// The bodies of ``messages(of:)`` as UTF-8 text.
    public func texts(of topic: String) async throws -> [String] {
        try await messages(of: topic).map { String(decoding: $0.payload, as: UTF8.self) }
    }

    /// Every event of the bus's registrations so far, in order, optionally only those of one kind, topic or group.
    public func events(_ kind: EventBusEvent.Kind? = nil, topic: String? = nil, group: String? = nil) -> [EventBusEvent] {
        eventLog.all.filter { event in
            (kind == nil || event.kind == kind) && (topic == nil || event.topic == topic) && (group == nil || event.group == group)
        }
    }

    /// Messages whose handler returned (and which were acknowledged).
    public func handled(topic: String? = nil, group: String? = nil) -> [EventBusEvent] {
        events(.handled, topic: topic, group: group)
    }

    /// Messages whose handler threw.
    public func failed(topic: String? = nil, group: String? = nil) -> [EventBusEvent] {
        events(.failed, topic: topic, group: group)
    }

    /// Deliveries of a message id a registration had received before (after a nack, an ack timeout or a
    /// reconnection). A retry under a `RetryPolicy` comes back through the retry-letter topic with a new message id:
    /// count those with the registration's `counters.retried`.
    public func redelivered(topic: String? = nil, group: String? = nil) -> [EventBusEvent] {
        var seen: Set<String> = []
        return events(.received, topic: topic, group: group).filter { event in
            guard let id = event.messageID else { return false }
            return !seen.insert("\(event.topic)/\(event.group)/\(id)").inserted
        }
    }

    /// Reads every message of `topic` from an external broker with a reader from the earliest one.
    private func readAll(_ topic: String) async throws -> [Message] {
        let client = try PulsarClient(configuration: clientConfiguration)
        var messages: [Message] = []
        do {
            for partition in try await client.partitions(of: topic) {
                let reader = try await client.makeReader(topic: partition, startMessageID: .earliest)
                while try await reader.hasMessageAvailable() {
                    guard let message = try await reader.readNext(timeout: .seconds(10)) else { break }
                    messages.append(message)
                }
                await reader.close()
            }
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        return messages
    }
}
