import PulsarWire

extension BrokerState {
    /// The schema registry key of a topic: partitions share their partitioned topic's schemas.
    func schemaKey(_ topic: TopicName) -> TopicName { topic.partitionedParent }

    /// Registers a producer's or consumer's schema; returns its version bytes, or an error message when incompatible.
    mutating func registerSchema(_ schema: Schema?, for topic: TopicName) -> Result<[UInt8]?, TopicResolutionError> {
        guard let schema, schema.isRegistrable else { return .success(nil) }
        guard let version = schemas[schemaKey(topic), default: SchemaRegistry()].register(schema) else {
            let existing = schemas[schemaKey(topic)]?.latest?.type.description ?? "none"
            return .failure(.init(error: .incompatibleSchema,
                                  message: "Schema of type \(schema.type) is incompatible with the topic's \(existing) schema"))
        }
        return .success(SchemaRegistry.encode(version: version))
    }

    mutating func handleGetSchema(_ request: CommandGetSchema, from id: ConnectionID, into outputs: inout BrokerOutputs) {
        guard let topic = try? TopicName(request.topic) else {
            outputs.send(.getSchemaResponse(CommandGetSchemaResponse(requestId: request.requestId, errorCode: .invalidTopicName,
                                                                    errorMessage: "Invalid topic name \(request.topic)")), to: id)
            return
        }
        let registry = schemas[schemaKey(topic)] ?? SchemaRegistry()
        let version: Int? = request.hasSchemaVersion ? SchemaRegistry.decode(version: request.schemaVersion)
            : (registry.versions.isEmpty ? nil : registry.versions.count - 1)
        guard let version, let schema = registry.schema(version: version) else {
            outputs.send(.getSchemaResponse(CommandGetSchemaResponse(requestId: request.requestId, errorCode: .topicNotFound,
                                                                    errorMessage: "Topic does not have schema")), to: id)
            return
        }
        outputs.send(.getSchemaResponse(CommandGetSchemaResponse(requestId: request.requestId, schema: schema,
                                                                schemaVersion: SchemaRegistry.encode(version: version))), to: id)
    }

    mutating func handleGetOrCreateSchema(_ request: CommandGetOrCreateSchema, from id: ConnectionID, into outputs: inout BrokerOutputs) {
        guard let topic = try? TopicName(request.topic) else {
            outputs.send(.getOrCreateSchemaResponse(CommandGetOrCreateSchemaResponse(
                requestId: request.requestId, errorCode: .invalidTopicName, errorMessage: "Invalid topic name \(request.topic)")), to: id)
            return
        }
        switch registerSchema(request.schema, for: topic) {
        case .success(let version):
            outputs.send(.getOrCreateSchemaResponse(CommandGetOrCreateSchemaResponse(
                requestId: request.requestId, schemaVersion: version ?? SchemaRegistry.encode(version: 0))), to: id)
        case .failure(let failure):
            outputs.send(.getOrCreateSchemaResponse(CommandGetOrCreateSchemaResponse(
                requestId: request.requestId, errorCode: failure.error, errorMessage: failure.message)), to: id)
        }
    }
}
