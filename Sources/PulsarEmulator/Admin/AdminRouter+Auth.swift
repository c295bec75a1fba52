import PulsarNet
import PulsarAuth
import PulsarWire

/// Authentication and authorization of the admin REST API, and the permission endpoints of
/// `pulsar-admin namespaces|topics grant-permission / revoke-permission / permissions`:
/// ```
///  GET          /admin/v2/namespaces/{tenant}/{ns}/permissions                 {"role": ["consume", "produce"], …}
///  POST|DELETE  /admin/v2/namespaces/{tenant}/{ns}/permissions/{role}          body ["produce", "consume"] / revoke
///  GET          /admin/v2/{persistent|non-persistent}/{tenant}/{ns}/{topic}/permissions   namespace's + topic's
///  POST|DELETE  /admin/v2/{persistent|non-persistent}/{tenant}/{ns}/{topic}/permissions/{role}
/// ```
/// With authentication on, every request needs `Authorization: Bearer <jwt>` (401 without a valid one) except the
/// health and metrics endpoints (``openPaths``); with authorization on, only superusers, and a tenant's admin roles
/// within that tenant, may use the API (403 for other roles).
extension AdminRouter {
    /// Served without a token: `/status.html`, `/metrics`, `/admin/v2/brokers/health`, `/admin/v2/brokers/ready`.
    static let openPaths: Set<[String]> = [
        ["status.html"], ["metrics"], ["admin", "v2", "brokers", "health"], ["admin", "v2", "brokers", "ready"],
    ]

    /// Nil if `request` may proceed, else the 401 / 403 answer.
    func accessRefusal(_ request: HTTPRequest, state: BrokerState, now: Int64) -> HTTPResponse? {
        guard state.auth.isEnabled, !Self.openPaths.contains(request.pathSegments) else { return nil }
        guard let header = request.headers["Authorization"]?.trimmingOWS(), header.lowercased().hasPrefix("bearer ") else {
            return Self.unauthorized("Authentication required: send the token as 'Authorization: Bearer <token>'")
        }
        let role: String
        do {
            role = try state.auth.validate(String(header.dropFirst("bearer ".count)).trimmingOWS(), now: now).role
        } catch {
            return Self.unauthorized("Authentication required: the token was refused (\(error.code)): \(error.message)")
        }
        guard state.auth.enforcesAuthorization, !state.auth.policy.superuserRoles.contains(role) else { return nil }
        let tenant = Self.tenant(of: request.pathSegments, method: request.method)
        if let tenant, state.tenantAdminRoles(tenant).contains(role) { return nil }
        return .error(.forbidden, "Role '\(role)' is not authorized to \(request.method) \(request.target): "
                      + "this needs a superuser\(tenant.map { " or an admin of tenant '\($0)'" } ?? "")")
    }

    private static func unauthorized(_ reason: String) -> HTTPResponse {
        var response = HTTPResponse.error(.unauthorized, reason)
        response.headers.add("WWW-Authenticate", "Bearer")
        return response
    }

    /// The tenant a tenant admin may manage through this request, if any (creating, changing or deleting the tenant
    /// itself takes a superuser).
    private static func tenant(of path: [String], method: String) -> String? {
        guard path.count >= 4, path[0] == "admin", path[1] == "v2" else { return nil }
        switch path[2] {
        case "namespaces", "persistent", "non-persistent": return path[3]
        case "tenants" where path.count == 4 && ["GET", "HEAD"].contains(method): return path[3]
        default: return nil
        }
    }

    // MARK: Permissions

    /// Answers the permission endpoints; nil for any other path.
    func permissions(_ request: HTTPRequest, method: String, _ path: [String],
                     state: inout BrokerState) throws(AdminError) -> HTTPResponse? {
        guard path.count >= 6, path[0] == "admin", path[1] == "v2" else { return nil }
        let resource: PermissionGrant.Resource, rest: ArraySlice<String>
        switch path[2] {
        case "namespaces" where path[5] == "permissions" && path.count <= 7:
            resource = .namespace(try Self.namespace(path[3], path[4], state: state))
            rest = path[6...]
        case "persistent", "non-persistent":
            guard (7...8).contains(path.count), path[6] == "permissions" else { return nil }
            _ = try Self.namespace(path[3], path[4], state: state)
            do {
                resource = .topic(try TopicName("\(path[2])://\(path[3])/\(path[4])/\(path[5])"))
            } catch {
                throw AdminError(.preconditionFailed, "Topic name is not valid")
            }
            rest = path[7...]
        default:
            return nil
        }
        guard let role = rest.first else {
            guard method == "GET" else { return .methodNotAllowed(allowed: ["GET"]) }
            let permissions = switch resource {
            case .namespace(let namespace): state.auth.policy.permissions(namespace: namespace)
            case .topic(let topic): state.auth.policy.permissions(topic: topic)
            }
            return .json(.object(permissions.keys.sorted().map { role in
                (role, .strings(permissions[role]!.sorted().map(\.rawValue)))
            }))
        }
        switch method {
        case "POST":
            state.auth.policy.grant(PermissionGrant(role: role, resource: resource, actions: try Self.actions(request.body)))
        case "DELETE":
            guard state.auth.policy.revoke(role: role, on: resource) else {
                if case .topic = resource {
                    throw AdminError(.preconditionFailed, "Permissions are not set at the topic level for role '\(role)'")
                }
                return .noContent
            }
        default:
            return .methodNotAllowed(allowed: ["POST", "DELETE"])
        }
        return .noContent
    }

    /// `tenant/ns`, which must exist.
    private static func namespace(_ tenant: String, _ namespace: String, state: BrokerState) throws(AdminError) -> String {
        guard (try? TopicName("persistent://\(tenant)/\(namespace)/probe")) != nil else {
            throw AdminError(.preconditionFailed, "Namespace name is not valid")
        }
        let name = "\(tenant)/\(namespace)"
        guard state.adminNamespaceExists(name) else { throw AdminError.namespaceNotFound }
        return name
    }

    /// The body of a grant: a JSON array of action names, e.g. `["produce", "consume"]`.
    private static func actions(_ body: [UInt8]) throws(AdminError) -> Set<AuthAction> {
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            throw AdminError(.badRequest, "The body must be a JSON array of actions, e.g. [\"produce\", \"consume\"]")
        }
        guard case .array(let items) = value else {
            throw AdminError(.badRequest, "The body must be a JSON array of actions, e.g. [\"produce\", \"consume\"]")
        }
        var names: [String] = []
        for item in items {
            guard let name = item.stringValue else { throw AdminError(.badRequest, "Actions must be strings") }
            names.append(name)
        }
        do {
            return try PermissionGrant.actions(names)
        } catch {
            throw AdminError(.badRequest, error.message)
        }
    }
}

extension HTTPStatus {
    /// `401 Unauthorized`: no valid credentials.
    static let unauthorized = HTTPStatus(code: 401, reason: "Unauthorized")
    /// `403 Forbidden`: valid credentials, not allowed.
    static let forbidden = HTTPStatus(code: 403, reason: "Forbidden")
}
