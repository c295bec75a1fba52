import PulsarNet
import PulsarAuth
import PulsarWire

/// Tenants and namespaces created through the admin REST API, plus those a fresh standalone broker has.
///
/// The binary side creates topics in any namespace (auto-creation); such namespaces, and their tenants, count as
/// existing too, so the admin API lists what clients actually use. See ``BrokerState/adminTenantNames``.
struct AdminCatalog {
    /// The cluster name every answer uses, like a standalone broker.
    static let clusterName = "standalone"
    /// Tenants a fresh standalone broker has.
    static let defaultTenants = ["public", "pulsar"]
    /// Namespaces a fresh standalone broker has.
    static let defaultNamespaces = ["public/default", "pulsar/system"]

    /// Tenants created or known, with their admin roles and allowed clusters.
    var tenants: [String: TenantInfo] = Dictionary(uniqueKeysWithValues: defaultTenants.map { ($0, TenantInfo()) })
    /// Namespaces created or known (`tenant/namespace`).
    var namespaces: Set<String> = Set(defaultNamespaces)
}

/// What the broker stores about a tenant (`TenantInfo`).
struct TenantInfo: Equatable {
    /// Roles allowed to administer the tenant.
    var adminRoles: [String] = []
    /// Clusters the tenant may use.
    var allowedClusters: [String] = [AdminCatalog.clusterName]

    /// `{"adminRoles": [...], "allowedClusters": [...]}`.
    var json: JSONValue { ["adminRoles": .strings(adminRoles), "allowedClusters": .strings(allowedClusters)] }

    /// Reads a TenantInfo body; missing fields keep their defaults.
    init(json: JSONValue?) throws(AdminError) {
        guard let json else { return }
        guard case .object = json else { throw AdminError(.badRequest, "TenantInfo must be a JSON object") }
        if let roles = json["adminRoles"] { adminRoles = try Self.strings(roles, field: "adminRoles") }
        if let clusters = json["allowedClusters"] { allowedClusters = try Self.strings(clusters, field: "allowedClusters") }
    }

    init() {}

    private static func strings(_ value: JSONValue, field: String) throws(AdminError) -> [String] {
        if value == .null { return [] }
        guard case .array(let items) = value else { throw AdminError(.badRequest, "\(field) must be an array of strings") }
        var strings: [String] = []
        for item in items {
            guard let string = item.stringValue else { throw AdminError(.badRequest, "\(field) must be an array of strings") }
            strings.append(string)
        }
        return strings
    }
}

/// An admin operation that failed: the status code and the `reason` the broker would give.
struct AdminError: Error, Equatable {
    var status: HTTPStatus
    var reason: String

    init(_ status: HTTPStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    /// The `{"reason": ...}` answer.
    var response: HTTPResponse { .error(status, reason) }

    static func topicNotFound(_ name: TopicName) -> AdminError { AdminError(.notFound, "Topic \(name) not found") }
    static func partitionedTopicNotFound(_ name: TopicName) -> AdminError {
        AdminError(.notFound, "Partitioned Topic \(name) not found")
    }
    static func subscriptionNotFound(_ subscription: String, _ topic: TopicName) -> AdminError {
        AdminError(.notFound, "Subscription \(subscription) not found for topic \(topic)")
    }
    static let tenantNotFound = AdminError(.notFound, "Tenant does not exist")
    static let namespaceNotFound = AdminError(.notFound, "Namespace does not exist")
}
