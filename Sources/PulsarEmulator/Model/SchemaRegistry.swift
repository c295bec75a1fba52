import PulsarWire

/// The schemas of one topic (partitions share their partitioned topic's), versioned from 0.
///
/// Compatibility is the broker's basic rule, simplified: a schema identical to a stored version reuses that
/// version; one of the same type is a new version; one of another type is incompatible. Apache Pulsar additionally
/// checks Avro/JSON evolution (its default strategy is FULL); `docs/compatibility.md` records the difference.
struct SchemaRegistry {
    /// Stored schemas; the index is the version.
    private(set) var versions: [Schema] = []

    /// The version of an identical schema, if stored.
    func version(of schema: Schema) -> Int? {
        versions.firstIndex { $0.type == schema.type && $0.schemaData == schema.schemaData && $0.properties == schema.properties }
    }

    /// The schema stored as `version`, if any.
    func schema(version: Int) -> Schema? {
        versions.indices.contains(version) ? versions[version] : nil
    }

    /// The newest schema.
    var latest: Schema? { versions.last }

    /// Returns the version of `schema`, storing it as a new version when compatible; nil when incompatible.
    mutating func register(_ schema: Schema) -> Int? {
        if let existing = version(of: schema) { return existing }
        if let latest, latest.type != schema.type { return nil }
        versions.append(schema)
        return versions.count - 1
    }

    /// Whether `schema` could be used without storing anything new or could be stored.
    func isCompatible(_ schema: Schema) -> Bool {
        version(of: schema) != nil || latest == nil || latest?.type == schema.type
    }

    /// A version number as the wire's `schema_version` bytes (8-byte big-endian, like the broker).
    static func encode(version: Int) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(version) >> (UInt64($0) * 8)) }
    }

    /// Decodes `schema_version` bytes; nil if they are not 8 bytes.
    static func decode(version bytes: [UInt8]) -> Int? {
        guard bytes.count == 8 else { return nil }
        let value = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return value > UInt64(Int.max) ? nil : Int(value)
    }
}

extension Schema {
    /// Schemas that carry no structure the broker registers (plain bytes, or a consumer's AUTO_CONSUME).
    var isRegistrable: Bool { type != .none && type != .autoConsume }
}
