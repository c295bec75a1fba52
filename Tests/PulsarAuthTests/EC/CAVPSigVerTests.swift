import Testing
import PulsarAuth

/// NIST CAVP `SigVer.rsp` vectors, section [P-256,SHA-256] (FIPS 186-4 ECDSA test set);
/// `valid == false` cases alter the message, Q, R or S.
@Suite(.timeLimit(.minutes(2))) struct CAVPSigVerTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let message: String
        let qx: String
        let qy: String
        let r: String
        let s: String
        let valid: Bool
        let note: String
        var testDescription: String { "\(note) \(qx.prefix(8))" }
    }

    static let vectors: [Vector] = [
        Vector(message: "e4796db5f785f207aa30d311693b3702821dff1168fd2e04c0836825aefd850d9aa60326d88cde1a23c7745351392ca2288d632c264f197d05cd424a30336c19fd09bb229654f0222fcb881a4b35c290a093ac159ce13409111ff0358411133c24f5b8e2090d6db6558afc36f06ca1f6ef779785adba68db27a409859fc4c4a0",
               qx: "87f8f2b218f49845f6f10eec3877136269f5c1a54736dbdf69f89940cad41555", qy: "e15f369036f49842fac7a86c8a2b0557609776814448b8f5e84aa9f4395205e9",
               r: "d19ff48b324915576416097d2544f7cbdf8768b1454ad20e0baac50e211f23b0", s: "a3e81e59311cdfff2d4784949f7a2cb50ba6c3a91fa54710568e61aca3e847c6",
               valid: false, note: "S changed"),
        Vector(message: "069a6e6b93dfee6df6ef6997cd80dd2182c36653cef10c655d524585655462d683877f95ecc6d6c81623d8fac4e900ed0019964094e7de91f1481989ae1873004565789cbf5dc56c62aedc63f62f3b894c9c6f7788c8ecaadc9bd0e81ad91b2b3569ea12260e93924fdddd3972af5273198f5efda0746219475017557616170e",
               qx: "5cf02a00d205bdfee2016f7421807fc38ae69e6b7ccd064ee689fc1a94a9f7d2", qy: "ec530ce3cc5c9d1af463f264d685afe2b4db4b5828d7e61b748930f3ce622a85",
               r: "dc23d130c6117fb5751201455e99f36f59aba1a6a21cf2d0e7481a97451d6693", s: "d6ce7708c18dbf35d4f8aa7240922dc6823f2e7058cbc1484fcad1599db5018c",
               valid: false, note: "R changed"),
        Vector(message: "df04a346cf4d0e331a6db78cca2d456d31b0a000aa51441defdb97bbeb20b94d8d746429a393ba88840d661615e07def615a342abedfa4ce912e562af714959896858af817317a840dcff85a057bb91a3c2bf90105500362754a6dd321cdd86128cfc5f04667b57aa78c112411e42da304f1012d48cd6a7052d7de44ebcc01de",
               qx: "2ddfd145767883ffbb0ac003ab4a44346d08fa2570b3120dcce94562422244cb", qy: "5f70c7d11ac2b7a435ccfbbae02c3df1ea6b532cc0e9db74f93fffca7c6f9a64",
               r: "9913111cff6f20c5bf453a99cd2c2019a4e749a49724a08774d14e4c113edda8", s: "9467cd4cd21ecb56b0cab0a9a453b43386845459127a952421f5c6382866c5cc",
               valid: false, note: "Q changed"),
        Vector(message: "e1130af6a38ccb412a9c8d13e15dbfc9e69a16385af3c3f1e5da954fd5e7c45fd75e2b8c36699228e92840c0562fbf3772f07e17f1add56588dd45f7450e1217ad239922dd9c32695dc71ff2424ca0dec1321aa47064a044b7fe3c2b97d03ce470a592304c5ef21eed9f93da56bb232d1eeb0035f9bf0dfafdcc4606272b20a3",
               qx: "e424dc61d4bb3cb7ef4344a7f8957a0c5134e16f7a67c074f82e6e12f49abf3c", qy: "970eed7aa2bc48651545949de1dddaf0127e5965ac85d1243d6f60e7dfaee927",
               r: "bf96b99aa49c705c910be33142017c642ff540c76349b9dab72f981fd9347f4f", s: "17c55095819089c2e03b9cd415abdf12444e323075d98f31920b9e0f57ec871c",
               valid: true, note: "valid"),
        Vector(message: "73c5f6a67456ae48209b5f85d1e7de7758bf235300c6ae2bdceb1dcb27a7730fb68c950b7fcada0ecc4661d3578230f225a875e69aaa17f1e71c6be5c831f22663bac63d0c7a9635edb0043ff8c6f26470f02a7bc56556f1437f06dfa27b487a6c4290d8bad38d4879b334e341ba092dde4e4ae694a9c09302e2dbf443581c08",
               qx: "e0fc6a6f50e1c57475673ee54e3a57f9a49f3328e743bf52f335e3eeaa3d2864", qy: "7f59d689c91e463607d9194d99faf316e25432870816dde63f5d4b373f12f22a",
               r: "1d75830cd36f4c9aa181b2c4221e87f176b7f05b7c87824e82e396c88315c407", s: "cb2acb01dac96efc53a32d4a0d85d0c2e48955214783ecf50a4f0414a319c05a",
               valid: true, note: "valid"),
        Vector(message: "666036d9b4a2426ed6585a4e0fd931a8761451d29ab04bd7dc6d0c5b9e38e6c2b263ff6cb837bd04399de3d757c6c7005f6d7a987063cf6d7e8cb38a4bf0d74a282572bd01d0f41e3fd066e3021575f0fa04f27b700d5b7ddddf50965993c3f9c7118ed78888da7cb221849b3260592b8e632d7c51e935a0ceae15207bedd548",
               qx: "a849bef575cac3c6920fbce675c3b787136209f855de19ffe2e8d29b31a5ad86", qy: "bf5fe4f7858f9b805bd8dcc05ad5e7fb889de2f822f3d8b41694e6c55c16b471",
               r: "25acc3aa9d9e84c7abf08f73fa4195acc506491d6fc37cb9074528a7db87b9d6", s: "9b21d5b5259ed3f2ef07dfec6cc90d3a37855d1ce122a85ba6a333f307d31537",
               valid: false, note: "R changed"),
        Vector(message: "1669bfb657fdc62c3ddd63269787fc1c969f1850fb04c933dda063ef74a56ce13e3a649700820f0061efabf849a85d474326c8a541d99830eea8131eaea584f22d88c353965dabcdc4bf6b55949fd529507dfb803ab6b480cd73ca0ba00ca19c438849e2cea262a1c57d8f81cd257fb58e19dec7904da97d8386e87b84948169",
               qx: "69b7667056e1e11d6caf6e45643f8b21e7a4bebda463c7fdbc13bc98efbd0214", qy: "d3f9b12eb46c7c6fda0da3fc85bc1fd831557f9abc902a3be3cb3e8be7d1aa2f",
               r: "288f7a1cd391842cce21f00e6f15471c04dc182fe4b14d92dc18910879799790", s: "247b3c4e89a3bcadfea73c7bfd361def43715fa382b8c3edf4ae15d6e55e9979",
               valid: false, note: "Message changed"),
    ]

    @Test(arguments: vectors)
    func sigVer(vector: Vector) throws {
        let key = try P256PublicKey(x: hex(vector.qx), y: hex(vector.qy))
        let signature = try P256Signature(rawRepresentation: hex(vector.r) + hex(vector.s))
        #expect(key.isValidSignature(signature, for: hex(vector.message), digest: .sha256) == vector.valid)
    }
}
