/// A validated Pulsar topic name: `{persistent|non-persistent}://tenant/namespace/local[-partition-N]`, with the
/// broker's rules (Apache Pulsar's `TopicName`).
///
/// Accepted input forms, like the broker:
/// ```
///  my-topic                                   → persistent://public/default/my-topic
///  tenant/namespace/my-topic                  → persistent://tenant/namespace/my-topic
///  non-persistent://tenant/namespace/my-topic
/// ```
/// The name is taken as given (no trimming). Tenant and namespace may hold ASCII letters, digits and `-=:._`; the
/// local name anything but `/` and control characters. Legacy names with a cluster
/// (`persistent://tenant/cluster/namespace/topic`) are refused. A local name ending in `-partition-N`, N a
/// non-negative 32-bit decimal without leading zeros, is partition N of the topic without the suffix; any other
/// suffix is part of an ordinary name, as on the broker.
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
    /// The suffix marker of a partition's name: partition 3 of `t` is `t-partition-3`.
    private static let partitionMarker = "-partition-"

    /// Parses and validates a topic name in any accepted form.
    ///
    /// - Throws: ``WireError`` with code ``WireError/Code/invalidTopicName`` and a message saying what is wrong.
    public init(_ name: String) throws(WireError) {
        func invalid(_ reason: String) -> WireError { WireError.invalidTopicName(name, reason) }
        guard !name.isEmpty else { throw invalid("the name is empty") }
        var rest = Substring(name)
        var domain = Domain.persistent
        if let schemeEnd = name.firstRange(of: "://") {
            let scheme = String(name[..<schemeEnd.lowerBound])
            guard let parsed = Domain(rawValue: scheme) else {
                throw invalid("unknown domain '\(scheme)' (expected persistent or non-persistent)")
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
            throw invalid("legacy names with a cluster (tenant/cluster/namespace/topic) are not supported")
        default:
            throw invalid("expected tenant/namespace/topic")
        }
        if let reason = Self.entityProblem(tenant, kind: "tenant") ?? Self.entityProblem(namespace, kind: "namespace") {
            throw invalid(reason)
        }
        guard !local.isEmpty else { throw invalid("the topic's local name is empty") }
        guard local != ".", local != ".." else { throw invalid("the local name '\(local)' is reserved (a path element of the store)") }
        if let control = local.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw invalid("the local name contains the control character U+\(String(control.value, radix: 16, uppercase: true))")
        }
        self.init(domain: domain, tenant: String(tenant), namespace: String(namespace), localName: String(local))
    }

    private init(domain: Domain, tenant: String, namespace: String, localName: String) {
        self.domain = domain
        self.tenant = tenant
        self.namespace = namespace
        self.localName = localName
    }

    /// Tenant and namespace characters the broker allows: ASCII letters, digits, `-`, `=`, `:`, `.`, `_`.
    private static func entityProblem(_ part: Substring, kind: String) -> String? {
        guard !part.isEmpty else { return "the \(kind) is empty" }
        guard part != ".", part != ".." else { return "the \(kind) '\(part)' is reserved" }
        for character in part.unicodeScalars {
            let allowed = ("a"..."z").contains(character) || ("A"..."Z").contains(character) || ("0"..."9").contains(character)
                || "-=:._".unicodeScalars.contains(character)
            guard allowed else { return "the \(kind) '\(part)' contains '\(character)'" }
        }
        return nil
    }

    /// `persistent://tenant/namespace/local`.
    public var description: String { "\(domain.rawValue)://\(tenant)/\(namespace)/\(localName)" }

    /// `tenant/namespace`.
    public var namespaceName: String { "\(tenant)/\(namespace)" }

    /// True for persistent topics.
    public var isPersistent: Bool { domain == .persistent }

    /// The partition index if this is a partition (`…-partition-N`), else nil. Like the broker, N counts only when
    /// it is a non-negative 32-bit decimal without sign or leading zeros (`t-partition-01` is an ordinary name).
    public var partitionIndex: Int? { partitionSuffix?.index }

    /// The partitioned topic this partition belongs to, or self.
    public var partitionedParent: TopicName {
        guard let suffix = partitionSuffix else { return self }
        return TopicName(domain: domain, tenant: tenant, namespace: namespace, localName: String(localName[..<suffix.start]))
    }

    /// The name of partition `index` of this topic.
    public func partition(_ index: Int) -> TopicName {
        TopicName(domain: domain, tenant: tenant, namespace: namespace, localName: "\(localName)\(Self.partitionMarker)\(index)")
    }

    /// Orders by the full name.
    public static func < (lhs: TopicName, rhs: TopicName) -> Bool { lhs.description < rhs.description }

    /// Where the partition suffix starts and its index, when the local name has a valid one.
    private var partitionSuffix: (start: String.Index, index: Int)? {
        guard let marker = localName.ranges(of: Self.partitionMarker).last else { return nil }
        let digits = localName[marker.upperBound...]
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              digits == "0" || !digits.hasPrefix("0"), let index = Int32(digits) else { return nil }
        return (marker.lowerBound, Int(index))
    }
}
