import Testing
@testable import PulsarEmulator

@Suite("Topic names")
struct TopicNameTests {
    @Test("short, namespaced and full forms resolve like the broker", arguments: [
        ("t", "persistent://public/default/t"),
        ("tenant/ns/t", "persistent://tenant/ns/t"),
        ("persistent://a/b/c", "persistent://a/b/c"),
        ("non-persistent://a/b/c", "non-persistent://a/b/c"),
        ("persistent://my-tenant/ns.1/topic-partition-3", "persistent://my-tenant/ns.1/topic-partition-3"),
    ])
    func forms(input: String, expected: String) throws {
        #expect(try TopicName(input).description == expected)
    }

    @Test("invalid names are refused with a reason", arguments: [
        "", "a/b", "persistent://a/b/", "unknown://a/b/c", "persistent://a/b", "persistent://a/b/c/d/e", "persistent://a b/ns/t",
        "persistent:///ns/t",
    ])
    func invalid(input: String) {
        #expect(throws: TopicNameError.self) { try TopicName(input) }
    }

    @Test("partitions know their index and parent")
    func partitions() throws {
        let parent = try TopicName("persistent://a/b/orders")
        let partition = parent.partition(3)
        #expect(partition.description == "persistent://a/b/orders-partition-3")
        #expect(partition.partitionIndex == 3)
        #expect(partition.partitionedParent == parent)
        #expect(parent.partitionIndex == nil)
        #expect(try TopicName("a/b/not-a-partition-x").partitionIndex == nil)
    }
}
