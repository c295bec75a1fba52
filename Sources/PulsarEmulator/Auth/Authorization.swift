import PulsarWire

/// What a role may be granted on a namespace or a topic (the broker's `AuthAction`). The emulator enforces
/// ``produce`` and ``consume``; the others are stored and listed so admin tooling round-trips them.
public enum AuthAction: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Create producers and publish.
    case produce
    /// Subscribe and receive.
    case consume
    /// Pulsar Functions (stored only).
    case functions
    /// Pulsar IO sources (stored only).
    case sources
    /// Pulsar IO sinks (stored only).
    case sinks
    /// The package manager (stored only).
    case packages

    /// Orders by name, for stable listings.
    public static func < (lhs: AuthAction, rhs: AuthAction) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Permissions given to a role on a namespace or a topic, like `pulsar-admin namespaces grant-permission` and
/// `pulsar-admin topics grant-permission`. A grant on a partitioned topic covers its partitions.
public struct PermissionGrant: Sendable, Hashable, CustomStringConvertible {
    /// Where a grant applies.
    public enum Resource: Sendable, Hashable, CustomStringConvertible {
        /// Every topic of a namespace, `tenant/namespace`.
        case namespace(String)
        /// One topic (the partitioned parent for partitioned topics).
        case topic(TopicName)

        /// `tenant/ns` or the full topic name.
        public var description: String {
            switch self {
            case .namespace(let namespace): namespace
            case .topic(let topic): topic.description
            }
        }
    }

    /// The role (the token's role claim) receiving the permissions.
    public var role: String
    /// The namespace or topic.
    public var resource: Resource
    /// What the role may do there.
    public var actions: Set<AuthAction>

    /// A grant on every topic of `namespace` (`tenant/namespace`).
    public init(role: String, namespace: String, actions: Set<AuthAction>) {
        self.init(role: role, resource: .namespace(namespace), actions: actions)
    }

    /// A grant on one topic.
    public init(role: String, topic: TopicName, actions: Set<AuthAction>) {
        self.init(role: role, resource: .topic(topic.partitionedParent), actions: actions)
    }

    /// A grant on a resource.
    public init(role: String, resource: Resource, actions: Set<AuthAction>) {
        self.role = role
        self.resource = resource
        self.actions = actions
    }

    /// Parses the command-line form `ROLE:RESOURCE:ACTIONS`, e.g. `alice:public/default:produce,consume` (a
    /// namespace) or `bob:persistent://public/default/orders:consume` (a topic; `tenant/ns/topic` also works).
    ///
    /// - Throws: ``EmulatorError`` (``EmulatorError/Code/invalidPermissionGrant``) explaining what is wrong.
    public init(parsing text: String) throws(EmulatorError) {
        guard let firstColon = text.firstIndex(of: ":"), let lastColon = text.lastIndex(of: ":"), firstColon < lastColon else {
            throw EmulatorError(.invalidPermissionGrant, "'\(text)' is not ROLE:RESOURCE:ACTIONS (e.g. alice:public/default:produce,consume)")
        }
        let role = String(text[..<firstColon])
        let resourceText = String(text[text.index(after: firstColon)..<lastColon])
        guard !role.isEmpty else { throw EmulatorError(.invalidPermissionGrant, "'\(text)' has an empty role") }
        let actions = try Self.actions(text[text.index(after: lastColon)...].split(separator: ",").map(String.init))
        self.init(role: role, resource: try Self.resource(resourceText), actions: actions)
    }

    /// `role:resource:action,action`.
    public var description: String { "\(role):\(resource):\(actions.sorted().map(\.rawValue).joined(separator: ","))" }

    /// A namespace (`tenant/ns`) or a topic (`tenant/ns/topic` or a full name).
    static func resource(_ text: String) throws(EmulatorError) -> Resource {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if !text.contains("://"), parts.count == 2 {
            guard (try? TopicName("persistent://\(text)/probe")) != nil else {
                throw EmulatorError(.invalidPermissionGrant, "'\(text)' is not a valid namespace (tenant/namespace)")
            }
            return .namespace(text)
        }
        do {
            return .topic(try TopicName(text).partitionedParent)
        } catch {
            throw EmulatorError(.invalidPermissionGrant, "'\(text)' is neither a namespace (tenant/namespace) nor a topic: \(error.message)")
        }
    }

    /// Action names (`produce`, `consume`, …), at least one.
    static func actions(_ names: [String]) throws(EmulatorError) -> Set<AuthAction> {
        var actions = Set<AuthAction>()
        for name in names {
            let trimmed = name.trimmingOWS()
            guard let action = AuthAction(rawValue: trimmed) else {
                let known = AuthAction.allCases.map(\.rawValue).joined(separator: ", ")
                throw EmulatorError(.invalidPermissionGrant, "unknown action '\(trimmed)' (expected \(known))")
            }
            actions.insert(action)
        }
        guard !actions.isEmpty else { throw EmulatorError(.invalidPermissionGrant, "no actions given (expected produce, consume, …)") }
        return actions
    }
}

/// Who may do what, as a pure value: superuser roles, tenant admins, and produce / consume grants per namespace and
/// per topic, like the broker's `PulsarAuthorizationProvider`. Superusers and the tenant's admin roles may do
/// everything in it; otherwise a role needs the action granted on the topic's namespace or on the topic (for a
/// partition: on its partitioned topic). A lookup needs produce or consume.
struct AuthorizationPolicy: Equatable {
    /// What is being attempted on a topic.
    enum TopicOperation: Equatable, CustomStringConvertible {
        /// PRODUCER.
        case produce
        /// SUBSCRIBE.
        case consume
        /// LOOKUP, PARTITIONED_METADATA.
        case lookup

        var description: String {
            switch self {
            case .produce: "produce"
            case .consume: "consume"
            case .lookup: "look up"
            }
        }
    }

    /// Roles allowed everything (`superUserRoles`).
    var superuserRoles: Set<String> = []
    /// `tenant/ns` → role → actions (`auth_policies.namespace_auth`).
    private(set) var namespacePermissions: [String: [String: Set<AuthAction>]] = [:]
    /// Topic (partitioned parent) → role → actions (`auth_policies.destination_auth`).
    private(set) var topicPermissions: [TopicName: [String: Set<AuthAction>]] = [:]

    init(superuserRoles: Set<String> = [], grants: [PermissionGrant] = []) {
        self.superuserRoles = superuserRoles
        for grant in grants { self.grant(grant) }
    }

    /// Sets a role's actions on a resource (replacing what it had there, like the broker).
    mutating func grant(_ grant: PermissionGrant) {
        switch grant.resource {
        case .namespace(let namespace): namespacePermissions[namespace, default: [:]][grant.role] = grant.actions
        case .topic(let topic): topicPermissions[topic.partitionedParent, default: [:]][grant.role] = grant.actions
        }
    }

    /// Removes a role's actions from a resource; returns false if it had none there.
    @discardableResult
    mutating func revoke(role: String, on resource: PermissionGrant.Resource) -> Bool {
        switch resource {
        case .namespace(let namespace):
            return namespacePermissions[namespace]?.removeValue(forKey: role) != nil
        case .topic(let topic):
            return topicPermissions[topic.partitionedParent]?.removeValue(forKey: role) != nil
        }
    }

    /// Role → actions granted on a namespace.
    func permissions(namespace: String) -> [String: Set<AuthAction>] { namespacePermissions[namespace] ?? [:] }

    /// Role → actions that apply to a topic: its namespace's grants merged with the topic's own.
    func permissions(topic: TopicName) -> [String: Set<AuthAction>] {
        var merged = permissions(namespace: topic.namespaceName)
        for (role, actions) in topicPermissions[topic.partitionedParent] ?? [:] { merged[role, default: []].formUnion(actions) }
        return merged
    }

    /// Whether `role` is a superuser or one of `tenantAdmins`.
    func isAdmin(_ role: String?, tenantAdmins: [String]) -> Bool {
        guard let role else { return false }
        return superuserRoles.contains(role) || tenantAdmins.contains(role)
    }

    /// Whether `role` may do `operation` on `topic`.
    func allows(_ operation: TopicOperation, on topic: TopicName, role: String?, tenantAdmins: [String] = []) -> Bool {
        guard let role else { return false }
        if isAdmin(role, tenantAdmins: tenantAdmins) { return true }
        let actions = permissions(topic: topic)[role] ?? []
        switch operation {
        case .produce: return actions.contains(.produce)
        case .consume: return actions.contains(.consume)
        case .lookup: return actions.contains(.produce) || actions.contains(.consume)
        }
    }

    /// Whether `role` may list the topics of `namespace` (GET_TOPICS_OF_NAMESPACE): produce or consume there.
    func allowsListing(namespace: String, role: String?, tenantAdmins: [String] = []) -> Bool {
        guard let role else { return false }
        if isAdmin(role, tenantAdmins: tenantAdmins) { return true }
        let actions = permissions(namespace: namespace)[role] ?? []
        return actions.contains(.produce) || actions.contains(.consume)
    }
}
