import Testing
import PulsarAuth

/// FIPS 180-2/180-4 example messages (Appendix B/C of FIPS 180-2).
@Suite(.timeLimit(.minutes(2))) struct SHA2Tests {
    static let bits448 = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    static let bits896 = Array(("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
        + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8)

    @Test func sha256Vectors() {
        #expect(hexString(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hexString(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hexString(SHA256.hash(Self.bits448)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hexString(SHA256.hash(Self.bits896)) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func sha384Vectors() {
        #expect(hexString(SHA384.hash([UInt8]())) == "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b")
        #expect(hexString(SHA384.hash(Array("abc".utf8))) == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        #expect(hexString(SHA384.hash(Self.bits448)) == "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b")
        #expect(hexString(SHA384.hash(Self.bits896)) == "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039")
    }

    @Test func sha512Vectors() {
        #expect(hexString(SHA512.hash([UInt8]())) == "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
        #expect(hexString(SHA512.hash(Array("abc".utf8))) == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        #expect(hexString(SHA512.hash(Self.bits448)) == "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445")
        #expect(hexString(SHA512.hash(Self.bits896)) == "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909")
    }

    @Test func oneMillionA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(hexString(SHA256.hash(message)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(hexString(SHA384.hash(message)) == "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985")
        #expect(hexString(SHA512.hash(message)) == "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b")
    }

    /// Feeding the message in uneven pieces (crossing block boundaries) gives the one-shot digest.
    @Test func incrementalMatchesOneShot() {
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        for pieceSize in [1, 3, 63, 64, 65, 127, 128, 129, 500] {
            var sha256 = SHA256()
            var sha512 = SHA512()
            var sha384 = SHA384()
            var offset = 0
            while offset < message.count {
                let piece = message[offset..<min(offset + pieceSize, message.count)]
                sha256.update(piece)
                sha512.update(piece)
                sha384.update(piece)
                offset += pieceSize
            }
            #expect(sha256.finalize() == SHA256.hash(message))
            #expect(sha512.finalize() == SHA512.hash(message))
            #expect(sha384.finalize() == SHA384.hash(message))
        }
    }

    /// Lengths around the padding boundary (55/56 bytes for SHA-256, 111/112 for SHA-512)
    /// and non-contiguous collections agree with the contiguous path.
    @Test func paddingBoundariesAndNonContiguousInput() {
        for length in [55, 56, 57, 63, 64, 111, 112, 113, 127, 128] {
            let bytes = [UInt8](repeating: 0x61, count: length)
            #expect(SHA256.hash(bytes) == SHA256.hash(bytes.lazy.map { $0 }))
            #expect(SHA512.hash(bytes) == SHA512.hash(bytes.lazy.map { $0 }))
        }
        #expect(DigestAlgorithm.sha256.hash(Array("abc".utf8)) == SHA256.hash(Array("abc".utf8)))
        #expect(DigestAlgorithm.sha384.digestSize == 48)
    }
}
