/// X.509 `SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING }` (RFC 5280).
struct SubjectPublicKeyInfo {
    let algorithm: ASN1ObjectIdentifier
    /// The encoded parameters element, if present.
    let parameters: [UInt8]?
    let keyBytes: [UInt8]

    init(der bytes: [UInt8]) throws(AuthError) {
        var outer = DERReader(bytes)
        var sequence = try outer.readSequence()
        (algorithm, parameters) = try readAlgorithmIdentifier(&sequence)
        keyBytes = try sequence.readBitString()
        try sequence.expectEnd()
        try outer.expectEnd()
    }

    var algorithmName: String { describeAlgorithm(algorithm) }

    static func encode(algorithm: ASN1ObjectIdentifier, parameters: [UInt8], keyBytes: [UInt8]) -> [UInt8] {
        DERWriter.sequence([
            DERWriter.sequence([DERWriter.objectIdentifier(algorithm), parameters]),
            DERWriter.bitString(keyBytes),
        ])
    }
}

/// PKCS #8 `PrivateKeyInfo` / `OneAsymmetricKey` (RFC 5208, RFC 5958); attributes and
/// an embedded public key (version 1) are accepted and ignored.
struct PrivateKeyInfo {
    let algorithm: ASN1ObjectIdentifier
    let parameters: [UInt8]?
    let privateKey: [UInt8]

    init(der bytes: [UInt8]) throws(AuthError) {
        var outer = DERReader(bytes)
        var sequence = try outer.readSequence()
        let version = try sequence.readSmallInteger()
        guard version == 0 || version == 1 else {
            throw AuthError(.malformedKey, "unsupported PKCS #8 version \(version)")
        }
        (algorithm, parameters) = try readAlgorithmIdentifier(&sequence)
        privateKey = try sequence.readOctetString()
        while !sequence.isAtEnd {
            let (tag, _) = try sequence.readElement()
            guard tag == 0xA0 || tag == 0x81 || tag == 0xA1 else {
                throw AuthError(.malformedKey, "unexpected element 0x\(String(tag, radix: 16)) in PKCS #8 key")
            }
        }
        try outer.expectEnd()
    }

    var algorithmName: String { describeAlgorithm(algorithm) }

    static func encode(algorithm: ASN1ObjectIdentifier, parameters: [UInt8], privateKey: [UInt8]) -> [UInt8] {
        DERWriter.sequence([
            DERWriter.integer(BigUInt()),
            DERWriter.sequence([DERWriter.objectIdentifier(algorithm), parameters]),
            DERWriter.octetString(privateKey),
        ])
    }
}

/// Reads `AlgorithmIdentifier ::= SEQUENCE { OID, parameters ANY OPTIONAL }`.
private func readAlgorithmIdentifier(_ reader: inout DERReader) throws(AuthError) -> (ASN1ObjectIdentifier, [UInt8]?) {
    var algorithm = try reader.readSequence()
    let oid = try algorithm.readObjectIdentifier()
    var parameters: [UInt8]?
    if !algorithm.isAtEnd {
        let (tag, content) = try algorithm.readElement()
        parameters = DERWriter.element(tag: tag, content: Array(content))
    }
    try algorithm.expectEnd()
    return (oid, parameters)
}

private func describeAlgorithm(_ oid: ASN1ObjectIdentifier) -> String {
    switch oid {
    case .rsaEncryption: "rsaEncryption"
    case .ecPublicKey: "id-ecPublicKey"
    case ASN1ObjectIdentifier(1, 3, 101, 112): "Ed25519"
    case ASN1ObjectIdentifier(1, 2, 840, 113549, 1, 1, 10): "RSASSA-PSS"
    default: oid.description
    }
}
