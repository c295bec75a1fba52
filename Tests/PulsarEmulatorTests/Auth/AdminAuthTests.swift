import PulsarAuth
import PulsarWire
import Testing
@testable import PulsarEmulator

@Suite("Admin REST: bearer tokens, 401 / 403, and the permission endpoints", .timeLimit(.minutes(1)))
struct AdminAuthTests {
    static func harness(authentication: Bool = true) -> AdminHarness {
        var configuration = EmulatorConfiguration()
        if authentication {
            configuration.authentication = JWTFixtures.secretAuthentication {
                $0.authorizationEnabled = true
                $0.superuserRoles = ["root"]
            }
        }
        var harness = AdminHarness(configuration: configuration)
        harness.now = JWTFixtures.now
        return harness
    }

    static func bearer(_ role: String, expiresAt: Int64? = nil) -> [String] {
        ["Authorization: Bearer \(JWTFixtures.token(role: role, expiresAt: expiresAt))"]
    }

    @Test("no token, a bad token, an expired token or another scheme: 401 with a reason")
    func unauthenticated() {
        var admin = Self.harness()
        for headers in [[], ["Authorization: Bearer nonsense"], ["Authorization: Basic cm9vdDpyb290"],
                        Self.bearer("root", expiresAt: JWTFixtures.now / 1000 - 1), ["Authorization: Bearer"]] {
            let (response, _) = admin.admin("GET", "/admin/v2/tenants", headers: headers)
            #expect(response.status.code == 401, "\(headers)")
            #expect(response.headers["WWW-Authenticate"] == "Bearer")
            #expect(admin.text(response).contains("Authentication required"))
        }
        let (expired, _) = admin.admin("GET", "/admin/v2/tenants", headers: Self.bearer("root", expiresAt: JWTFixtures.now / 1000))
        #expect(admin.text(expired).contains("expired"))
    }

    @Test("health and metrics stay open without a token")
    func openEndpoints() {
        var admin = Self.harness()
        for path in ["/status.html", "/metrics", "/admin/v2/brokers/health", "/admin/v2/brokers/ready"] {
            #expect(admin.admin("GET", path).0.status.code == 200, "\(path)")
        }
        #expect(admin.admin("GET", "/admin/v2/brokers/version").0.status.code == 401)
        #expect(admin.admin("GET", "/admin/v2/clusters").0.status.code == 401)
    }

    @Test("a superuser may do everything; another role gets 403")
    func superuserAndOthers() {
        var admin = Self.harness()
        #expect(admin.admin("GET", "/admin/v2/tenants", headers: Self.bearer("root")).0.status.code == 200)
        #expect(admin.admin("PUT", "/admin/v2/tenants/team", body: #"{"adminRoles":["ops"]}"#, headers: Self.bearer("root")).0.status.code == 204)
        let (refused, _) = admin.admin("GET", "/admin/v2/tenants", headers: Self.bearer("stranger"))
        #expect(refused.status.code == 403)
        #expect(admin.text(refused).contains("Role 'stranger' is not authorized to GET /admin/v2/tenants"))
        #expect(admin.admin("PUT", "/admin/v2/persistent/public/default/t", headers: Self.bearer("stranger")).0.status.code == 403)
    }

    @Test("a tenant's admin roles manage that tenant only")
    func tenantAdmins() {
        var admin = Self.harness()
        _ = admin.admin("PUT", "/admin/v2/tenants/team", body: #"{"adminRoles":["ops"]}"#, headers: Self.bearer("root"))
        let ops = Self.bearer("ops")
        #expect(admin.admin("PUT", "/admin/v2/namespaces/team/ns", headers: ops).0.status.code == 204)
        #expect(admin.admin("GET", "/admin/v2/namespaces/team", headers: ops).0.status.code == 200)
        #expect(admin.admin("GET", "/admin/v2/tenants/team", headers: ops).0.status.code == 200)
        #expect(admin.admin("POST", "/admin/v2/namespaces/team/ns/permissions/app", body: #"["produce"]"#, headers: ops).0.status.code == 204)
        #expect(admin.admin("GET", "/admin/v2/tenants", headers: ops).0.status.code == 403)
        #expect(admin.admin("PUT", "/admin/v2/namespaces/public/other", headers: ops).0.status.code == 403)
        #expect(admin.admin("DELETE", "/admin/v2/tenants/team", headers: ops).0.status.code == 403, "only superusers delete tenants")
    }

    @Test("namespace grant-permission, permissions, revoke-permission, and their effect on clients")
    func namespacePermissions() throws {
        var admin = Self.harness()
        let root = Self.bearer("root")
        let app = ConnectionID(99)
        admin.state.connectionOpened(app, remoteAddress: "test", now: admin.now)
        let connect = CommandConnect(clientVersion: "test", authData: Array(JWTFixtures.token(role: "app").utf8),
                                     protocolVersion: 20, authMethodName: "token")
        #expect(admin.send(.connect(connect), from: app)[app]?.first?.isConnected == true)
        let producer = CommandProducer(topic: "orders", producerId: 1, requestId: 1)
        #expect(admin.send(.producer(producer), from: app)[app]?.first?.serverError == .authorizationError)

        #expect(admin.admin("POST", "/admin/v2/namespaces/public/default/permissions/app", body: #"["produce","consume"]"#,
                            headers: root).0.status.code == 204)
        #expect(try admin.jsonWithToken("/admin/v2/namespaces/public/default/permissions", root)
                == ["app": ["consume", "produce"]])
        guard case .producerSuccess? = admin.send(.producer(producer), from: app)[app]?.first else { Issue.record("not granted"); return }

        #expect(admin.admin("DELETE", "/admin/v2/namespaces/public/default/permissions/app", headers: root).0.status.code == 204)
        #expect(try admin.jsonWithToken("/admin/v2/namespaces/public/default/permissions", root) == [:])
        let again = CommandProducer(topic: "orders", producerId: 2, requestId: 2)
        #expect(admin.send(.producer(again), from: app)[app]?.first?.serverError == .authorizationError)
    }

    @Test("topic grant-permission merges with the namespace's; revoking what only the namespace grants is 412")
    func topicPermissions() throws {
        var admin = Self.harness()
        let root = Self.bearer("root")
        _ = admin.admin("POST", "/admin/v2/namespaces/public/default/permissions/reader", body: #"["consume"]"#, headers: root)
        #expect(admin.admin("POST", "/admin/v2/persistent/public/default/orders/permissions/writer", body: #"["produce"]"#,
                            headers: root).0.status.code == 204)
        #expect(try admin.jsonWithToken("/admin/v2/persistent/public/default/orders/permissions", root)
                == ["reader": ["consume"], "writer": ["produce"]])
        #expect(try admin.jsonWithToken("/admin/v2/persistent/public/default/refunds/permissions", root) == ["reader": ["consume"]])
        let (notAtTopic, _) = admin.admin("DELETE", "/admin/v2/persistent/public/default/orders/permissions/reader", headers: root)
        #expect(notAtTopic.status.code == 412)
        #expect(admin.admin("DELETE", "/admin/v2/persistent/public/default/orders/permissions/writer", headers: root).0.status.code == 204)
        #expect(admin.state.auth.policy.permissions(topic: try TopicName("orders"))["writer"] == nil)
    }

    @Test("bad permission requests", arguments: [
        ("POST", "/admin/v2/namespaces/public/default/permissions/app", "", 400),
        ("POST", "/admin/v2/namespaces/public/default/permissions/app", #"{"actions":["produce"]}"#, 400),
        ("POST", "/admin/v2/namespaces/public/default/permissions/app", #"["write"]"#, 400),
        ("POST", "/admin/v2/namespaces/public/default/permissions/app", "[]", 400),
        ("POST", "/admin/v2/namespaces/nobody/nothing/permissions/app", #"["produce"]"#, 404),
        ("GET", "/admin/v2/namespaces/public/default/permissions/app", "", 405),
        ("PUT", "/admin/v2/namespaces/public/default/permissions", "", 405),
    ])
    func badRequests(_ method: String, _ path: String, _ body: String, _ status: Int) {
        var admin = Self.harness()
        let response = admin.admin(method, path, body: body, headers: Self.bearer("root")).0
        #expect(response.status.code == status)
        #expect(!admin.text(response).contains("Error("), "the reason is a sentence, not an error value: \(admin.text(response))")
    }

    @Test("an unknown action is refused with the grant parser's reason")
    func unknownAction() {
        var admin = Self.harness()
        let response = admin.admin("POST", "/admin/v2/namespaces/public/default/permissions/app", body: #"["write"]"#,
                                   headers: Self.bearer("root")).0
        #expect(admin.text(response).contains("unknown action 'write' (expected "), "\(admin.text(response))")
    }

    @Test("with authentication off the admin API needs no token and grants are still stored")
    func authenticationOff() throws {
        var admin = Self.harness(authentication: false)
        #expect(admin.admin("GET", "/admin/v2/tenants").0.status.code == 200)
        #expect(admin.admin("POST", "/admin/v2/namespaces/public/default/permissions/app", body: #"["produce"]"#).0.status.code == 204)
        #expect(try admin.json("/admin/v2/namespaces/public/default/permissions") == ["app": ["produce"]])
    }
}

extension AdminHarness {
    /// The JSON body of a successful GET made with `headers`.
    mutating func jsonWithToken(_ path: String, _ headers: [String]) throws -> JSONValue {
        let (response, _) = admin("GET", path, headers: headers)
        guard response.status == .ok else { throw HarnessError(message: "GET \(path) → \(response.status): \(text(response))") }
        return try JSONValue.parse(response.body)
    }
}
