import Foundation
import PulsarTesting
import Synchronization

// A small Coze-like service, written as a team would write it against the EventBus contract: a search indexer and a
// knowledge handler that fans one event out into per-document events. The tests beside it run it end to end with
// PulsarTesting; nothing here knows it is under test.

/// A search event, as Coze Studio's search-app producer publishes it.
struct SearchEvent: Codable, Equatable, Sendable {
    /// `create`, `update` or `delete`.
    var op: String
    /// The app's id (also the sharding key, so one app's events stay in order).
    var id: Int
    /// The app's name (absent for `delete`).
    var name: String?
}

/// The search index the indexer maintains.
final class SearchIndex: Sendable {
    private let state = Mutex<(documents: [Int: String], applied: [SearchEvent])>(([:], []))

    /// Applies one event.
    func apply(_ event: SearchEvent) {
        state.withLock { state in
            switch event.op {
            case "delete": state.documents[event.id] = nil
            default: state.documents[event.id] = event.name ?? ""
            }
            state.applied.append(event)
        }
    }

    /// Indexed documents by id.
    var documents: [Int: String] { state.withLock { $0.documents } }
    /// Every event applied, in order.
    var applied: [SearchEvent] { state.withLock { $0.applied } }
}

/// Coze's search consumer: decodes each event and applies it to the index. A malformed event throws (and is retried).
struct SearchIndexer: ConsumerHandler {
    let index: SearchIndex

    func handleMessage(_ message: EventMessage) async throws {
        index.apply(try JSONDecoder().decode(SearchEvent.self, from: Data(message.body)))
    }
}

/// A knowledge base changed: its documents need indexing.
struct KnowledgeEvent: Codable, Equatable, Sendable {
    var knowledgeID: Int
    var documentIDs: [Int]
}

/// One document to index, fanned out of a ``KnowledgeEvent``.
struct DocumentEvent: Codable, Equatable, Hashable, Sendable {
    var knowledgeID: Int
    var documentID: Int
}

/// Errors of the knowledge store, with the codes the service's API returns.
enum KnowledgeError: Error, Equatable {
    /// 404: the knowledge base was deleted. Retrying cannot help.
    case knowledgeNotFound(Int)
    /// 503: the store is briefly unavailable. Worth retrying.
    case storageUnavailable

    /// The API's error code.
    var code: Int {
        switch self {
        case .knowledgeNotFound: 404
        case .storageUnavailable: 503
        }
    }
}

/// Coze's knowledge consumer: checks the knowledge base, then publishes one ``DocumentEvent`` per document (from
/// inside the handler) with the knowledge id as sharding key. Error code 404 is non-retryable: the event is dropped
/// (the handler returns, so it is acknowledged). Every other error is thrown, so the event is negatively
/// acknowledged and delivered again.
struct KnowledgeFanOut: ConsumerHandler {
    /// Where per-document events go.
    let documents: any EventProducer
    /// The knowledge store's check; throws a ``KnowledgeError``.
    let checkKnowledge: @Sendable (Int) async throws -> Void
    /// Knowledge ids dropped as non-retryable.
    let dropped: Collected<Int>

    func handleMessage(_ message: EventMessage) async throws {
        let event = try JSONDecoder().decode(KnowledgeEvent.self, from: Data(message.body))
        do {
            try await checkKnowledge(event.knowledgeID)
        } catch let error as KnowledgeError where error.code == 404 {
            dropped.append(event.knowledgeID)
            return
        }
        let bodies = try event.documentIDs.map {
            try Array(JSONEncoder().encode(DocumentEvent(knowledgeID: event.knowledgeID, documentID: $0)))
        }
        try await documents.batchSend(bodies, options: .shardingKey(String(event.knowledgeID)))
    }
}

/// The document consumer: records each document it indexed.
struct DocumentIndexer: ConsumerHandler {
    let indexed: Collected<DocumentEvent>

    func handleMessage(_ message: EventMessage) async throws {
        indexed.append(try JSONDecoder().decode(DocumentEvent.self, from: Data(message.body)))
    }
}

/// JSON bytes of `value`.
func json(_ value: some Encodable) throws -> [UInt8] { Array(try JSONEncoder().encode(value)) }
