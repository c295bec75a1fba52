/// A validated Pulsar topic name: `{persistent|non-persistent}://tenant/namespace/local[-partition-N]`.
///
/// Accepted input forms, like the broker:
/// ```
///  my-topic                                   → persistent://public/default/my-topic
///  tenant/namespace/my-topic                  → persistent://tenant/namespace/my-topic
///  non-persistent://tenant/namespace/my-topic
/// ```
public struct TopicName: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// Whether messages are stored (`persistent`) or only passed to connected consumers (`non-persistent`).
    public enum Domain: String, Sendable, Hashable {
        /// Messages are stored until acknowledged (and retained as configured).
        case persistent
        /// Messages go only to consumers connected at the time, never stored.
        case nonPersistent = "non-persistent"
    }

    /// The domain.
    public let domain: Domain
    /// The tenant, e.g. `public`.
    public let tenant: String
    /// The namespace inside the tenant, e.g. `default`.
    public let namespace: String
    /// The local name, including any `-partition-N` suffix.
    public let localName: String

    /// The default tenant for short names.
    public static let defaultTenant = "public"
    /// The default namespace for short names.
    public static let defaultNamespace = "default"
    private static let partitionMarker = "-partition-"

    /// Parses and validates a topic name in any accepted form.
    ///
    /// - Throws: ``TopicNameError`` explaining what is wrong.
    public init(_ name: String) throws(TopicNameError) {
        guard !name.isEmpty else { throw TopicNameError(name: name, reason: "the name is empty") }
        var rest = Substring(name)
        var domain = Domain.persistent
        if let schemeEnd = name.firstRange(of: "://") {
            let scheme = String(name[..<schemeEnd.lowerBound])
            guard let parsed = Domain(rawValue: scheme) else {
                throw TopicNameError(name: name, reason: "unknown domain '\(scheme)' (expected persistent or non-persistent)")
            }
            domain = parsed
            rest = name[schemeEnd.upperBound...]
        }
        let parts = rest.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        let tenant: Substring, namespace: Substring, local: Substring
        switch parts.count {
        case 1 where !name.contains("://"):
            (tenant, namespace, local) = (Substring(Self.defaultTenant), Substring(Self.defaultNamespace), parts[0])
        case 3:
            (tenant, namespace, local) = (parts[0], parts[1], parts[2])
        case 4:
            throw TopicNameError(name: name, reason: "legacy names with a cluster (property/cluster/namespace/topic) are not supported")
        default:
            throw TopicNameError(name: name, reason: "expected tenant/namespace/topic")
        }
        try Self.checkEntity(tenant, kind: "tenant", in: name)
        try Self.checkEntity(namespace, kind: "namespace", in: name)
        guard !local.isEmpty else { throw TopicNameError(name: name, reason: "the topic's local name is empty") }
        guard !local.contains("/") else { throw TopicNameError(name: name, reason: "the local name contains '/'") }
        guard local != ".", local != ".." else {
            throw TopicNameError(name: name, reason: "the local name '\(local)' is reserved (a path element of the store)")
        }
        if let control = local.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw TopicNameError(name: name, reason: "the local name contains the control character U+\(String(control.value, radix: 16, uppercase: true))")
        }
        if let marker = local.ranges(of: Self.partitionMarker).last {
            let index = local[marker.upperBound...]
            if index.isEmpty || !index.allSatisfy(\.isASCIIDigit) {
                // Not a partition suffix: fine, as long as it does not pretend to be one.
            } else if Int(index) == nil {
                throw TopicNameError(name: name, reason: "partition index out of range")
            }
        }
        self.domain = domain
        self.tenant = String(tenant)
        self.namespace = String(namespace)
        self.localName = String(local)
    }

    /// Builds a name from validated parts (used for partitions and internal topics).
    init(domain: Domain, tenant: String, namespace: String, localName: String) {
        self.domain = domain
        self.tenant = tenant
        self.namespace = namespace
        self.localName = localName
    }

    /// Tenant and namespace characters the broker allows: letters, digits, `-`, `=`, `:`, `.`, `_`.
    private static func checkEntity(_ part: Substring, kind: String, in name: String) throws(TopicNameError) {
        guard !part.isEmpty else { throw TopicNameError(name: name, reason: "the \(kind) is empty") }
        guard part != ".", part != ".." else { throw TopicNameError(name: name, reason: "the \(kind) '\(part)' is reserved") }
        for character in part.unicodeScalars {
            let allowed = (character.properties.isAlphabetic && character.isASCII) || ("0"..."9").contains(character)
                || "-=:._".unicodeScalars.contains(character)
            guard allowed else { throw TopicNameError(name: name, reason: "the \(kind) '\(part)' contains '\(character)'") }
        }
    }

    /// `persistent://tenant/namespace/local`.
    public var description: String { "\(domain.rawValue)://\(tenant)/\(namespace)/\(localName)" }

    /// `tenant/namespace`.
    public var namespaceName: String { "\(tenant)/\(namespace)" }

    /// True for persistent topics.
    public var isPersistent: Bool { domain == .persistent }

    /// The partition index if this is a partition (`…-partition-N`), else nil.
    public var partitionIndex: Int? {
        guard let marker = localName.ranges(of: Self.partitionMarker).last else { return nil }
        let digits = localName[marker.upperBound...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        return Int(digits)
    }

    /// The partitioned topic this partition belongs to, or self.
    public var partitionedParent: TopicName {
        guard partitionIndex != nil, let marker = localName.ranges(of: Self.partitionMarker).last else { return self }
        return TopicName(domain: domain, tenant: tenant, namespace: namespace, localName: String(localName[..<marker.lowerBound]))
    }

    /// The name of partition `index` of this topic.
    public func partition(_ index: Int) -> TopicName {
        TopicName(domain: domain, tenant: tenant, namespace: namespace, localName: "\(localName)\(Self.partitionMarker)\(index)")
    }

    /// Orders by the full name.
    public static func < (lhs: TopicName, rhs: TopicName) -> Bool { lhs.description < rhs.description }
}

/// Why a topic name was refused; the broker answers `InvalidTopicName` with this text.
public struct TopicNameError: Error, CustomStringConvertible, Sendable {
    /// The name as given.
    public var name: String
    /// What is wrong with it.
    public var reason: String
    /// `Invalid topic name 'x': reason`.
    public var description: String { "Invalid topic name '\(name)': \(reason)" }
}

extension Character {
    /// True for `0`…`9`.
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
