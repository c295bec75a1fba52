extension P256PublicKey {
    /// Parses an X.509 SubjectPublicKeyInfo with id-ecPublicKey and the prime256v1 curve.
    public init(spkiDER bytes: [UInt8]) throws(AuthError) {
        let info = try SubjectPublicKeyInfo(der: bytes)
        guard info.algorithm == .ecPublicKey else {
            throw AuthError(.malformedKey, "the public key algorithm is \(info.algorithmName), not EC (id-ecPublicKey)")
        }
        try P256Encoding.checkCurveParameters(info.parameters, required: true)
        try self.init(x963Representation: info.keyBytes)
    }

    /// X.509 SubjectPublicKeyInfo DER with an uncompressed point.
    public var spkiDER: [UInt8] {
        SubjectPublicKeyInfo.encode(algorithm: .ecPublicKey, parameters: P256Encoding.curveParameters, keyBytes: x963Representation)
    }

    /// Parses PEM `PUBLIC KEY` (SPKI).
    public init(pem text: String) throws(AuthError) {
        let document = try PEMDocument(pemString: text)
        guard document.label == "PUBLIC KEY" else {
            throw AuthError(.malformedKey, "PEM label '\(document.label)' is not a public key")
        }
        try self.init(spkiDER: document.derBytes)
    }

    /// PEM `PUBLIC KEY` (SPKI).
    public var pemRepresentation: String {
        PEMDocument(label: "PUBLIC KEY", derBytes: spkiDER).pemString
    }
}

extension P256PrivateKey {
    /// Parses SEC 1 `ECPrivateKey` (RFC 5915); optional curve parameters must name P-256
    /// and an optional embedded public key must match the private scalar.
    public init(sec1DER bytes: [UInt8]) throws(AuthError) {
        var outer = DERReader(bytes)
        var sequence = try outer.readSequence()
        guard try sequence.readSmallInteger() == 1 else {
            throw AuthError(.malformedKey, "ECPrivateKey version must be 1")
        }
        let scalar = try sequence.readOctetString()
        guard !scalar.isEmpty, scalar.count <= 32 else {
            throw AuthError(.malformedKey, "ECPrivateKey scalar has \(scalar.count) bytes; P-256 needs 32")
        }
        try self.init(rawRepresentation: [UInt8](repeating: 0, count: 32 - scalar.count) + scalar)
        if sequence.peekTag == DERTag.contextSpecific(0) {
            var parameters = try sequence.readConstructed(tag: DERTag.contextSpecific(0))
            let (tag, content) = try parameters.readElement()
            try P256Encoding.checkCurveParameters(DERWriter.element(tag: tag, content: Array(content)), required: true)
            try parameters.expectEnd()
        }
        if sequence.peekTag == DERTag.contextSpecific(1) {
            var publicKeyField = try sequence.readConstructed(tag: DERTag.contextSpecific(1))
            let point = try publicKeyField.readBitString()
            try publicKeyField.expectEnd()
            guard try P256PublicKey(x963Representation: point) == publicKey else {
                throw AuthError(.invalidKey, "the EC private key's embedded public key does not match its scalar")
            }
        }
        try sequence.expectEnd()
        try outer.expectEnd()
    }

    /// SEC 1 `ECPrivateKey` DER, optionally with `[0]` curve parameters and `[1]` public key.
    public func sec1DER(includeParameters: Bool, includePublicKey: Bool) -> [UInt8] {
        var elements = [DERWriter.integer(BigUInt(1)), DERWriter.octetString(rawRepresentation)]
        if includeParameters {
            elements.append(DERWriter.contextSpecific(0, [P256Encoding.curveParameters]))
        }
        if includePublicKey {
            elements.append(DERWriter.contextSpecific(1, [DERWriter.bitString(publicKey.x963Representation)]))
        }
        return DERWriter.sequence(elements)
    }

    /// Parses PKCS #8 `PrivateKeyInfo` with id-ecPublicKey / prime256v1.
    public init(pkcs8DER bytes: [UInt8]) throws(AuthError) {
        let info = try PrivateKeyInfo(der: bytes)
        guard info.algorithm == .ecPublicKey else {
            throw AuthError(.malformedKey, "the private key algorithm is \(info.algorithmName), not EC (id-ecPublicKey)")
        }
        try P256Encoding.checkCurveParameters(info.parameters, required: true)
        try self.init(sec1DER: info.privateKey)
    }

    /// PKCS #8 `PrivateKeyInfo` DER. With `includePublicKey` (the default) the inner
    /// ECPrivateKey carries the public point, as OpenSSL writes; without it the
    /// encoding matches Java's `PrivateKey.getEncoded()`.
    public func pkcs8DER(includePublicKey: Bool = true) -> [UInt8] {
        PrivateKeyInfo.encode(
            algorithm: .ecPublicKey, parameters: P256Encoding.curveParameters,
            privateKey: sec1DER(includeParameters: false, includePublicKey: includePublicKey)
        )
    }

    /// Parses PEM `PRIVATE KEY` (PKCS #8) or `EC PRIVATE KEY` (SEC 1).
    public init(pem text: String) throws(AuthError) {
        let documents = try PEMDocument.parseAll(text).filter { $0.label != "EC PARAMETERS" }
        guard let document = documents.first else {
            throw AuthError(.malformedKey, "no EC private key PEM block found")
        }
        switch document.label {
        case "PRIVATE KEY": try self.init(pkcs8DER: document.derBytes)
        case "EC PRIVATE KEY": try self.init(sec1DER: document.derBytes)
        default: throw AuthError(.malformedKey, "PEM label '\(document.label)' is not an EC private key")
        }
    }

    /// PEM `PRIVATE KEY` (PKCS #8, with the public point).
    public var pemRepresentation: String {
        PEMDocument(label: "PRIVATE KEY", derBytes: pkcs8DER()).pemString
    }
}

enum P256Encoding {
    /// `ECParameters ::= namedCurve prime256v1`.
    static let curveParameters = DERWriter.objectIdentifier(.prime256v1)

    static func checkCurveParameters(_ parameters: [UInt8]?, required: Bool) throws(AuthError) {
        guard let parameters else {
            if required { throw AuthError(.malformedKey, "EC key has no curve parameters") }
            return
        }
        guard parameters == curveParameters else {
            var reader = DERReader(parameters)
            if let oid = try? reader.readObjectIdentifier() {
                throw AuthError(.malformedKey, "EC curve \(oid) is not supported; only P-256 (1.2.840.10045.3.1.7) is")
            }
            throw AuthError(.malformedKey, "EC keys with explicit curve parameters are not supported; only named P-256")
        }
    }
}
