import PulsarWire

extension BrokerState {
    /// The schema registry key of a topic: partitions share their partitioned topic's schemas.
    func schemaKey(_ topic: TopicName) -> TopicName { topic.partitionedParent }

    /// Registers a producer's or consumer's schema; returns its version bytes, or an error message when incompatible.
    mutating func registerSchema(_ schema: Schema?, for topic: TopicName) -> Result<[UInt8]?, TopicResolutionError> {
        guard let schema, schema.isRegistrable else { return .success(nil) }
        let limit = configuration.limits.maxSchemaVersionsPerTopic
        if let registry = schemas[schemaKey(topic)], registry.version(of: schema) == nil, limit > 0, registry.versions.count >= limit {
            return .failure(.init(error: .notAllowedError,
                                  message: "Topic \(schemaKey(topic)) already has \(limit) schema versions, the emulator's limit"))
        }
        guard let version = schemas[schemaKey(topic), default: SchemaRegistry()].register(schema) else {
            let existing = schemas[schemaKey(topic)]?.latest?.type.description ?? "none"
            return .failure(.init(error: .incompatibleSchema,
                                  message: "Schema of type \(schema.type) is incompatible with the topic's \(existing) schema"))
        }
        return .success(SchemaRegistry.encode(version: version))
    }

    /// GET_SCHEMA: needs the right to look the topic up (produce or consume), like the broker since apache/pulsar#26643.
    mutating func handleGetSchema(_ request: CommandGetSchema, from id: ConnectionID, into outputs: inout BrokerOutputs) {
        let topic: TopicName
        do {
            topic = try topicName(request.topic)
        } catch {
            outputs.send(.getSchemaResponse(CommandGetSchemaResponse(requestId: request.requestId, errorCode: .invalidTopicName,
                                                                    errorMessage: error.message)), to: id)
            return
        }
        if let refusal = authorizationRefusal(.lookup, on: topic, from: id) {
            outputs.send(.getSchemaResponse(CommandGetSchemaResponse(
                requestId: request.requestId, errorCode: .authorizationError,
                errorMessage: "Client is not authorized to Get Schema: \(refusal)")), to: id)
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

    /// GET_OR_CREATE_SCHEMA: registers a schema, so it needs the right to produce (apache/pulsar#26643).
    mutating func handleGetOrCreateSchema(_ request: CommandGetOrCreateSchema, from id: ConnectionID, into outputs: inout BrokerOutputs) {
        let topic: TopicName
        do {
            topic = try topicName(request.topic)
        } catch {
            outputs.send(.getOrCreateSchemaResponse(CommandGetOrCreateSchemaResponse(
                requestId: request.requestId, errorCode: .invalidTopicName, errorMessage: error.message)), to: id)
            return
        }
        if let refusal = authorizationRefusal(.produce, on: topic, from: id) {
            outputs.send(.getOrCreateSchemaResponse(CommandGetOrCreateSchemaResponse(
                requestId: request.requestId, errorCode: .authorizationError,
                errorMessage: "Client is not authorized to Get Or Create Schema: \(refusal)")), to: id)
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
