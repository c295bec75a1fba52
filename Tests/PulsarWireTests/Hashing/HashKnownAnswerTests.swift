import Testing
import PulsarWire

/// Known answers for the hashes Pulsar routes by, taken from Apache Pulsar's own tests (and SMHasher's check value),
/// so a change that made our hash disagree with the broker or the other clients fails here.
@Suite("Hashing: known answers", .timeLimit(.minutes(2)))
struct HashKnownAnswerTests {
    /// `Murmur3_32Hash.makeHash` (sign bit cleared) as asserted by Apache Pulsar:
    /// apache/pulsar-client-cpp tests/HashTest.cc (testMurmur3_32Hash) and
    /// apache/pulsar pulsar-client/src/test/java/org/apache/pulsar/client/impl/HashTest.java (murmur3_32HashTest),
    /// both "same value as Java client"; apache/pulsar-client-go pulsar/internal/hash_test.go (murmurHashValues).
    static let pulsarMurmur3: [(key: String, hash: Int32)] = [
        ("k1", 2_110_152_746), ("k2", 1_479_966_664),
        ("key1", 462_881_061), ("key2", 1_936_800_180),
        ("key01", 39_696_932), ("key02", 751_761_803),
        ("", 0), ("hello", 0x248b_fa47), ("test", 0x3a6b_d213),
    ]

    @Test("Murmur3_32Hash.makeHash values from the Java, C++ and Go clients' tests", arguments: pulsarMurmur3)
    func pulsarHash(key: String, hash: Int32) {
        #expect(Murmur3.pulsarHash(Array(key.utf8)) == hash)
        #expect(Murmur3.hash32(Array(key.utf8)) & 0x7fff_ffff == UInt32(hash), "the raw hash agrees in its low 31 bits")
    }

    /// The broker's consistent-hash ring points, `makeHash(consumerName + "\0" + index)`, read off the expected
    /// ranges in apache/pulsar
    /// pulsar-broker/src/test/java/org/apache/pulsar/broker/service/ConsistentHashingStickyKeyConsumerSelectorTest.java
    /// (testGetConsumerKeyHashRanges with 3 points per consumer, testConsumersGetEvenlyMappedWhenThereAreCollisions
    /// with 5 consumers named "consumer" and 1 point each): every range ends at a point. These keys are 10 and 11 bytes
    /// long, so they cover the 2- and 3-byte tails the client tests above leave out.
    static let ringPoints: [(consumer: String, index: Int, hash: Int32)] = [
        ("consumer1", 0, 1_656_011_842), ("consumer1", 1, 1_914_695_766), ("consumer1", 2, 242_013_991),
        ("consumer2", 0, 722_195_656), ("consumer2", 1, 119_056_334), ("consumer2", 2, 90_164_503),
        ("consumer3", 0, 1_707_482_097), ("consumer3", 1, 382_436_667), ("consumer3", 2, 242_377_547),
        ("consumer", 0, 216_056_713), ("consumer", 1, 1_862_045_174), ("consumer", 2, 1_240_826_377),
        ("consumer", 3, 365_902_830), ("consumer", 4, 306_176_208),
    ]

    @Test("Murmur3 of the broker's hash-ring keys (range ends in the broker's selector test)", arguments: ringPoints)
    func ringPoint(consumer: String, index: Int, hash: Int32) {
        let key = Array(consumer.utf8) + [0] + Array(String(index).utf8)
        #expect(Murmur3.pulsarHash(key) == hash)
    }

    @Test("pulsarHash clears only the sign bit: these keys' raw hashes have it set")
    func signBit() {
        // The Go client returns `Sum32() & 0x7fffffff` "to maintain compatibility with values used in Java client"
        // (apache/pulsar-client-go pulsar/internal/hash.go); for these keys that mask changes the value.
        for key in ["k1", "k2", "key1", "key01", "test"] {
            let raw = Murmur3.hash32(Array(key.utf8))
            #expect(raw & 0x8000_0000 != 0, "\(key)")
            #expect(UInt32(Murmur3.pulsarHash(Array(key.utf8))) == raw & 0x7fff_ffff, "\(key)")
        }
    }

    @Test("SMHasher's verification value for MurmurHash3_x86_32 (all tail lengths, 256 seeds, all 32 bits)")
    func smhasherVerification() {
        // Hash {}, {0}, {0,1}, … {0,…,254} with seed 256 - length, concatenate the hashes little-endian, hash that
        // with seed 0: aappleby/smhasher src/main.cpp lists 0xB0F57EE3 for "Murmur3A" (MurmurHash3_x86_32), and
        // google/guava's Murmur3Hash32Test.testParanoid checks the same value.
        var hashes: [UInt8] = []
        for length in 0..<256 {
            let hash = Murmur3.hash32((0..<length).map { UInt8($0) }, seed: UInt32(256 - length))
            hashes += [UInt8(truncatingIfNeeded: hash), UInt8(truncatingIfNeeded: hash >> 8),
                       UInt8(truncatingIfNeeded: hash >> 16), UInt8(truncatingIfNeeded: hash >> 24)]
        }
        #expect(Murmur3.hash32(hashes, seed: 0) == 0xB0F5_7EE3)
    }

    /// Java's `String.hashCode()`, which `JavaStringHash.hash` reproduces before any masking.
    /// The Apache tests assert the masked value (`& Integer.MAX_VALUE`): apache/pulsar
    /// pulsar-client/src/test/java/org/apache/pulsar/client/impl/HashTest.java and apache/pulsar-client-cpp
    /// tests/HashTest.cc ("keykeykeykeykey1" overflows, "keykeykey2" is negative: 42978643 masked), and
    /// apache/pulsar-client-go pulsar/internal/hash_test.go ("hello", "test", "").
    @Test("JavaStringHash values from the Java, C++ and Go clients' tests")
    func javaStringHash() {
        #expect(JavaStringHash.hash("keykeykeykeykey1") == 434_058_482)
        #expect(JavaStringHash.hash("keykeykey2") & Int32.max == 42_978_643)
        #expect(JavaStringHash.hash("keykeykey2") < 0, "its hashCode is negative as a signed int")
        #expect(JavaStringHash.hash("hello") == 0x5e9_18d2)
        #expect(JavaStringHash.hash("test") == 0x36_4492)
        #expect(JavaStringHash.hash("") == 0)
    }

    @Test("JavaStringHash runs over UTF-16 code units, as Java's String does")
    func javaStringHashUTF16() {
        // s[0]*31^(n-1) + … + s[n-1] over UTF-16 units, by hand (an independent check of the formula):
        // "é" is one unit 0xE9; "😀" is the surrogate pair D83D DE00.
        #expect(JavaStringHash.hash("\u{e9}") == 0xE9)
        #expect(JavaStringHash.hash("\u{1F600}") == 0xD83D * 31 + 0xDE00)
        // Over UTF-8 bytes "é" (C3 A9) would give 0xC3 * 31 + 0xA9 instead.
        #expect(JavaStringHash.hash("\u{e9}") != 0xC3 * 31 + 0xA9)
    }
}
