extension RSAPublicKey {
    /// Parses PKCS #1 `RSAPublicKey ::= SEQUENCE { modulus, publicExponent }`.
    public init(pkcs1DER bytes: [UInt8]) throws(AuthError) {
        var outer = DERReader(bytes)
        var sequence = try outer.readSequence()
        let modulus = try sequence.readUnsignedInteger()
        let exponent = try sequence.readUnsignedInteger()
        try sequence.expectEnd()
        try outer.expectEnd()
        try self.init(modulus: modulus, publicExponent: exponent)
    }

    /// PKCS #1 `RSAPublicKey` DER.
    public var pkcs1DER: [UInt8] {
        DERWriter.sequence([DERWriter.integer(modulus), DERWriter.integer(publicExponent)])
    }

    /// Parses an X.509 SubjectPublicKeyInfo with algorithm rsaEncryption (1.2.840.113549.1.1.1).
    public init(spkiDER bytes: [UInt8]) throws(AuthError) {
        let info = try SubjectPublicKeyInfo(der: bytes)
        guard info.algorithm == .rsaEncryption else {
            throw AuthError(.malformedKey, "the public key algorithm is \(info.algorithmName), not RSA (rsaEncryption)")
        }
        guard info.parameters == nil || info.parameters == DERWriter.null() else {
            throw AuthError(.malformedKey, "rsaEncryption parameters must be NULL")
        }
        try self.init(pkcs1DER: info.keyBytes)
    }

    /// X.509 SubjectPublicKeyInfo DER (what Java's `PublicKey.getEncoded()` produces).
    public var spkiDER: [UInt8] {
        SubjectPublicKeyInfo.encode(algorithm: .rsaEncryption, parameters: DERWriter.null(), keyBytes: pkcs1DER)
    }

    /// Parses PEM `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS #1).
    public init(pem text: String) throws(AuthError) {
        let document = try PEMDocument(pemString: text)
        switch document.label {
        case "PUBLIC KEY": try self.init(spkiDER: document.derBytes)
        case "RSA PUBLIC KEY": try self.init(pkcs1DER: document.derBytes)
        default: throw AuthError(.malformedKey, "PEM label '\(document.label)' is not an RSA public key")
        }
    }

    /// PEM `PUBLIC KEY` (SPKI).
    public var pemRepresentation: String {
        PEMDocument(label: "PUBLIC KEY", derBytes: spkiDER).pemString
    }
}

extension RSAPrivateKey {
    /// Parses PKCS #1 `RSAPrivateKey` (two-prime, version 0); the stored CRT values must
    /// agree with those derived from d, p and q.
    public init(pkcs1DER bytes: [UInt8]) throws(AuthError) {
        var outer = DERReader(bytes)
        var sequence = try outer.readSequence()
        guard try sequence.readSmallInteger() == 0 else {
            throw AuthError(.malformedKey, "only two-prime RSA private keys (version 0) are supported")
        }
        var values = [BigUInt]()
        for _ in 0..<8 {
            values.append(try sequence.readUnsignedInteger())
        }
        try sequence.expectEnd()
        try outer.expectEnd()
        try self.init(modulus: values[0], publicExponent: values[1], privateExponent: values[2], prime1: values[3], prime2: values[4])
        guard exponent1 == values[5], exponent2 == values[6], coefficient == values[7] else {
            throw AuthError(.invalidKey, "RSA private key CRT parameters are inconsistent with d, p and q")
        }
    }

    /// PKCS #1 `RSAPrivateKey` DER.
    public var pkcs1DER: [UInt8] {
        DERWriter.sequence([
            DERWriter.integer(BigUInt()),
            DERWriter.integer(modulus), DERWriter.integer(publicKey.publicExponent), DERWriter.integer(privateExponent),
            DERWriter.integer(prime1), DERWriter.integer(prime2),
            DERWriter.integer(exponent1), DERWriter.integer(exponent2), DERWriter.integer(coefficient),
        ])
    }

    /// Parses PKCS #8 `PrivateKeyInfo` with algorithm rsaEncryption.
    public init(pkcs8DER bytes: [UInt8]) throws(AuthError) {
        let info = try PrivateKeyInfo(der: bytes)
        guard info.algorithm == .rsaEncryption else {
            throw AuthError(.malformedKey, "the private key algorithm is \(info.algorithmName), not RSA (rsaEncryption)")
        }
        try self.init(pkcs1DER: info.privateKey)
    }

    /// PKCS #8 `PrivateKeyInfo` DER (what Java's `PrivateKey.getEncoded()` produces).
    public var pkcs8DER: [UInt8] {
        PrivateKeyInfo.encode(algorithm: .rsaEncryption, parameters: DERWriter.null(), privateKey: pkcs1DER)
    }

    /// Parses PEM `PRIVATE KEY` (PKCS #8) or `RSA PRIVATE KEY` (PKCS #1).
    public init(pem text: String) throws(AuthError) {
        let document = try PEMDocument(pemString: text)
        switch document.label {
        case "PRIVATE KEY": try self.init(pkcs8DER: document.derBytes)
        case "RSA PRIVATE KEY": try self.init(pkcs1DER: document.derBytes)
        default: throw AuthError(.malformedKey, "PEM label '\(document.label)' is not an RSA private key")
        }
    }

    /// PEM `PRIVATE KEY` (PKCS #8).
    public var pemRepresentation: String {
        PEMDocument(label: "PRIVATE KEY", derBytes: pkcs8DER).pemString
    }
}
