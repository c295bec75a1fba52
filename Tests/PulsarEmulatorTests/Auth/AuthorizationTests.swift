import PulsarWire
import Testing
@testable import PulsarEmulator

@Suite("Authorization: superusers, tenant admins, namespace and topic grants", .timeLimit(.minutes(1)))
struct AuthorizationTests {
    static let orders = try! TopicName("persistent://shop/sales/orders")

    static let policy = AuthorizationPolicy(superuserRoles: ["root"], grants: [
        PermissionGrant(role: "writer", namespace: "shop/sales", actions: [.produce]),
        PermissionGrant(role: "reader", namespace: "shop/sales", actions: [.consume]),
        PermissionGrant(role: "both", namespace: "shop/sales", actions: [.produce, .consume]),
        PermissionGrant(role: "one-topic", topic: orders, actions: [.consume]),
        PermissionGrant(role: "functions-only", namespace: "shop/sales", actions: [.functions]),
    ])

    struct Row: Sendable, CustomTestStringConvertible {
        let role: String?
        let produce: Bool, consume: Bool, lookup: Bool
        var testDescription: String { role ?? "anonymous" }
    }

    @Test("role × operation on shop/sales/orders", arguments: [
        Row(role: "root", produce: true, consume: true, lookup: true),
        Row(role: "shop-admin", produce: true, consume: true, lookup: true),
        Row(role: "writer", produce: true, consume: false, lookup: true),
        Row(role: "reader", produce: false, consume: true, lookup: true),
        Row(role: "both", produce: true, consume: true, lookup: true),
        Row(role: "one-topic", produce: false, consume: true, lookup: true),
        Row(role: "functions-only", produce: false, consume: false, lookup: false),
        Row(role: "stranger", produce: false, consume: false, lookup: false),
        Row(role: nil, produce: false, consume: false, lookup: false),
    ])
    func matrix(_ row: Row) {
        let policy = Self.policy
        let admins = ["shop-admin"]
        #expect(policy.allows(.produce, on: Self.orders, role: row.role, tenantAdmins: admins) == row.produce)
        #expect(policy.allows(.consume, on: Self.orders, role: row.role, tenantAdmins: admins) == row.consume)
        #expect(policy.allows(.lookup, on: Self.orders, role: row.role, tenantAdmins: admins) == row.lookup)
        // A partition is covered by its partitioned topic's grants.
        #expect(policy.allows(.consume, on: Self.orders.partition(3), role: row.role, tenantAdmins: admins) == row.consume)
    }

    @Test("grants do not leak to other namespaces, topics or tenants")
    func scope() throws {
        let policy = Self.policy
        let other = try TopicName("persistent://shop/sales/refunds")
        #expect(!policy.allows(.consume, on: other, role: "one-topic"))
        #expect(policy.allows(.consume, on: other, role: "reader"))
        #expect(!policy.allows(.consume, on: try TopicName("persistent://shop/hr/payroll"), role: "reader"))
        #expect(!policy.allows(.produce, on: try TopicName("persistent://other/sales/orders"), role: "shop-admin"),
                "tenant admins of another tenant get nothing")
        #expect(policy.allows(.produce, on: try TopicName("non-persistent://anything/at/all"), role: "root"))
    }

    @Test("grant replaces, revoke removes; topic permissions merge the namespace's")
    func grantAndRevoke() {
        var policy = Self.policy
        policy.grant(PermissionGrant(role: "writer", namespace: "shop/sales", actions: [.consume]))
        #expect(!policy.allows(.produce, on: Self.orders, role: "writer"))
        policy.grant(PermissionGrant(role: "writer", topic: Self.orders.partition(0), actions: [.produce]))
        #expect(policy.allows(.produce, on: Self.orders, role: "writer"), "a grant on a partition applies to the parent")
        #expect(policy.permissions(topic: Self.orders)["writer"] == [.produce, .consume])
        let revoked = policy.revoke(role: "writer", on: .topic(Self.orders))
        let revokedTwice = policy.revoke(role: "writer", on: .topic(Self.orders))
        let revokedNamespace = policy.revoke(role: "reader", on: .namespace("shop/sales"))
        #expect(revoked && !revokedTwice && revokedNamespace)
        #expect(!policy.allows(.lookup, on: Self.orders, role: "reader"))
        #expect(policy.allowsListing(namespace: "shop/sales", role: "both"))
        #expect(!policy.allowsListing(namespace: "shop/sales", role: "one-topic"))
    }

    struct GrantCase: Sendable, CustomTestStringConvertible {
        let text: String
        let grant: PermissionGrant
        var testDescription: String { text }
    }

    @Test("the command-line grant form", arguments: [
        GrantCase(text: "alice:public/default:produce,consume",
                  grant: PermissionGrant(role: "alice", namespace: "public/default", actions: [.produce, .consume])),
        GrantCase(text: "bob:persistent://public/default/orders:consume",
                  grant: PermissionGrant(role: "bob", topic: try! TopicName("persistent://public/default/orders"), actions: [.consume])),
        GrantCase(text: "carol:t/ns/topic-partition-2:produce",
                  grant: PermissionGrant(role: "carol", topic: try! TopicName("persistent://t/ns/topic"), actions: [.produce])),
    ])
    func parsing(_ testCase: GrantCase) throws {
        let grant = try PermissionGrant(parsing: testCase.text)
        #expect(grant == testCase.grant)
        #expect(try PermissionGrant(parsing: grant.description) == grant)
    }

    @Test("bad command-line grants explain themselves", arguments: [
        "alice", "alice:public/default", ":public/default:produce", "alice:public/default:write", "alice:public/default:",
        "alice:a/b/c/d/e:produce", "alice:bad ns/x:produce",
    ])
    func badParsing(_ text: String) {
        let error = #expect(throws: EmulatorError.self) { _ = try PermissionGrant(parsing: text) }
        #expect(error?.code == .invalidPermissionGrant)
    }

    // MARK: Through the broker

    static func broker(authorization: Bool = true) -> BrokerHarness {
        BrokerHarness(authentication: JWTFixtures.secretAuthentication {
            $0.authorizationEnabled = authorization
            $0.superuserRoles = ["root"]
            $0.grants = [PermissionGrant(role: "writer", namespace: "public/default", actions: [.produce]),
                         PermissionGrant(role: "reader", namespace: "public/default", actions: [.consume])]
        })
    }

    @Test("PRODUCER and SUBSCRIBE without the permission get ERROR(AuthorizationError); the connection stays")
    func producerAndSubscribe() {
        var broker = Self.broker()
        let reader = broker.authenticatedConnection(JWTFixtures.token(role: "reader"))
        let refusal = broker.makeProducer("t", on: reader)
        #expect(refusal == .error(CommandError(requestId: 1001, error: .authorizationError, message:
            "Client is not authorized to Produce: role 'reader' has no produce permission on persistent://public/default/t")))
        #expect(broker.subscribe("t", "s", on: reader)?.serverError == nil)
        let writer = broker.authenticatedConnection(JWTFixtures.token(role: "writer"))
        #expect(broker.makeProducer("t", on: writer)?.serverError == nil)
        #expect(broker.subscribe("t", "s2", on: writer)?.errorCommand?.message
                == "Client is not authorized to subscribe: role 'writer' has no consume permission on persistent://public/default/t")
        #expect(broker.closed.isEmpty)
        #expect(broker.state.topics[try! TopicName("t")]?.subscriptions["s2"] == nil, "nothing was created")
    }

    @Test("LOOKUP and PARTITIONED_METADATA are refused with AuthorizationError in their own responses")
    func discovery() {
        var broker = Self.broker()
        let stranger = broker.authenticatedConnection(JWTFixtures.token(role: "stranger"))
        let lookup = broker.handle(.lookup(CommandLookupTopic(topic: "t", requestId: 5)), from: stranger)[stranger]?.first?.command
        #expect(lookup == .lookupResponse(CommandLookupTopicResponse(
            response: .failed, requestId: 5, error: .authorizationError,
            message: "Client is not authorized to Perform Lookup: role 'stranger' has no produce or consume permission on "
                + "persistent://public/default/t")))
        let metadata = broker.handle(.partitionedMetadata(CommandPartitionedTopicMetadata(topic: "t", requestId: 6)),
                                     from: stranger)[stranger]?.first?.command
        guard case .partitionedMetadataResponse(let response)? = metadata else { Issue.record("\(String(describing: metadata))"); return }
        #expect(response.response == .failed && response.error == .authorizationError)
        let topics = broker.handle(.getTopicsOfNamespace(CommandGetTopicsOfNamespace(requestId: 7, namespace: "public/default")),
                                   from: stranger)[stranger]?.first?.command
        #expect(topics?.serverError == .authorizationError)
        let reader = broker.authenticatedConnection(JWTFixtures.token(role: "reader"))
        let allowed = broker.handle(.lookup(CommandLookupTopic(topic: "t", requestId: 8)), from: reader)[reader]?.first?.command
        guard case .lookupResponse(let answer)? = allowed else { Issue.record("no lookup answer"); return }
        #expect(answer.response == .connect)
    }

    @Test("superusers, tenant admins and run-time grants")
    func superusersAdminsAndRuntimeGrants() {
        var broker = Self.broker()
        let root = broker.authenticatedConnection(JWTFixtures.token(role: "root"))
        #expect(broker.makeProducer("persistent://any/where/t", on: root)?.serverError == nil)
        let ops = broker.authenticatedConnection(JWTFixtures.token(role: "ops"))
        #expect(broker.makeProducer("persistent://team/ns/t", on: ops)?.serverError == .authorizationError)
        broker.state.adminCatalog.tenants["team"] = TenantInfo()
        broker.state.adminCatalog.tenants["team"]?.adminRoles = ["ops"]
        #expect(broker.makeProducer("persistent://team/ns/t", id: 2, on: ops)?.serverError == nil)
        broker.state.auth.policy.grant(PermissionGrant(role: "ops", topic: try! TopicName("public/default/x"), actions: [.consume]))
        #expect(broker.subscribe("public/default/x", "s", on: ops)?.serverError == nil)
    }

    @Test("with authorization off every authenticated role may do everything")
    func authorizationOff() {
        var broker = Self.broker(authorization: false)
        let stranger = broker.authenticatedConnection(JWTFixtures.token(role: "stranger"))
        #expect(broker.makeProducer("t", on: stranger)?.serverError == nil)
        #expect(broker.subscribe("t", "s", on: stranger)?.serverError == nil)
    }
}
