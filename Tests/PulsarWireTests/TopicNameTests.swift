import Testing
import PulsarWire

@Suite("Topic names", .timeLimit(.minutes(2)))
struct TopicNameTests {
    @Test("short, namespaced and full forms resolve like the broker", arguments: [
        ("t", "persistent://public/default/t"),
        ("tenant/ns/t", "persistent://tenant/ns/t"),
        ("persistent://a/b/c", "persistent://a/b/c"),
        ("non-persistent://a/b/c", "non-persistent://a/b/c"),
        ("persistent://my-tenant/ns.1/topic-partition-3", "persistent://my-tenant/ns.1/topic-partition-3"),
        ("persistent://t=1:x_y/n/local name with spaces", "persistent://t=1:x_y/n/local name with spaces"),
    ])
    func forms(input: String, expected: String) throws {
        #expect(try TopicName(input).description == expected)
    }

    @Test("the parts of a name")
    func parts() throws {
        let name = try TopicName("non-persistent://acme/orders/eu")
        #expect(name.domain == .nonPersistent && !name.isPersistent)
        #expect(name.tenant == "acme" && name.namespace == "orders" && name.localName == "eu")
        #expect(name.namespaceName == "acme/orders")
        #expect(try TopicName("x").isPersistent)
    }

    @Test("invalid names are refused with a reason", arguments: [
        "", "a/b", "persistent://a/b/", "unknown://a/b/c", "persistent://a/b", "persistent://a/b/c/d/e", "persistent://a b/ns/t",
        "persistent:///ns/t", "persistent://a//t", "a/b/c/d", "persistent://a/b/..", "persistent://a/b/x\u{1}y", "persistent://ä/b/c",
        // Like the broker (and unlike the client's former rules), a name is not trimmed: the blanks are in the tenant.
        " t/ns/x",
    ])
    func invalid(input: String) {
        let error = #expect(throws: WireError.self) { try TopicName(input) }
        #expect(error?.code == .invalidTopicName)
        #expect(error?.message.hasPrefix("Invalid topic name '\(input)': ") == true, "\(error?.message ?? "")")
    }

    @Test("a legacy name with a cluster is refused and says so")
    func legacy() {
        let error = #expect(throws: WireError.self) { try TopicName("persistent://tenant/cluster/ns/t") }
        #expect(error?.message.contains("cluster") == true)
    }

    @Test("partitions know their index and parent")
    func partitions() throws {
        let parent = try TopicName("persistent://a/b/orders")
        let partition = parent.partition(3)
        #expect(partition.description == "persistent://a/b/orders-partition-3")
        #expect(partition.partitionIndex == 3)
        #expect(partition.partitionedParent == parent)
        #expect(parent.partitionIndex == nil)
        #expect(parent.partitionedParent == parent)
        #expect(try TopicName("a/b/not-a-partition-x").partitionIndex == nil)
        #expect(try TopicName("t-partition-0").partitionIndex == 0)
        #expect(try TopicName("a/b/x-partition-1-partition-2").partitionedParent.description == "persistent://a/b/x-partition-1")
    }

    @Test("only a canonical 32-bit index makes a partition, as on the broker", arguments: [
        "t-partition-01", "t-partition--1", "t-partition-+1", "t-partition-2147483648", "t-partition-99999999999999999999",
        "t-partition-",
    ])
    func notPartitions(input: String) throws {
        let name = try TopicName(input)
        #expect(name.partitionIndex == nil)
        #expect(name.partitionedParent == name)
    }

    @Test("the largest 32-bit index is a partition")
    func largestPartition() throws {
        #expect(try TopicName("t-partition-2147483647").partitionIndex == 2_147_483_647)
    }
}
