import PulsarNet
import PulsarAuth
import Testing
@testable import PulsarEmulator

@Suite(.timeLimit(.minutes(1))) struct AdminPoliciesTests {
    private let path = "/admin/v2/namespaces/public/default/deduplication"

    @Test func deduplicationPolicyOverridesTheBrokerSettingUntilRemoved() throws {
        var broker = AdminHarness()
        #expect(try broker.json(path) == false)
        #expect(broker.admin("POST", path, body: "true").0.status == .noContent)
        #expect(try broker.json(path) == true)
        #expect(broker.state.deduplicationEnabled(namespace: "public/default"))
        #expect(!broker.state.deduplicationEnabled(namespace: "public/other"))
        #expect(broker.admin("DELETE", path).0.status == .noContent)
        #expect(try broker.json(path) == false)
    }

    @Test func aBodyThatIsNotABooleanIsRefusedAndChangesNothing() {
        var broker = AdminHarness()
        for body in ["", "yes", "{\"enabled\":true}", "1"] {
            #expect(broker.admin("POST", path, body: body).0.status == .badRequest, "\(body)")
        }
        #expect(broker.state.deduplicationByNamespace.isEmpty)
        #expect(broker.admin("POST", "/admin/v2/namespaces/public/missing/deduplication", body: "true").0.status == .notFound)
    }
}
