/// A public key of any supported kind, decoded from SubjectPublicKeyInfo.
public enum AsymmetricPublicKey: Sendable, Hashable {
    /// An RSA key.
    case rsa(RSAPublicKey)
    /// An EC P-256 key.
    case ecP256(P256PublicKey)

    /// Decodes binary SPKI DER or PEM text (`PUBLIC KEY`, or `RSA PUBLIC KEY`), choosing
    /// the key type from the algorithm identifier.
    public init(derOrPEM bytes: [UInt8]) throws(AuthError) {
        if PEMDocument.isPEM(bytes) {
            let document = try PEMDocument(pemString: String(decoding: bytes, as: UTF8.self))
            switch document.label {
            case "PUBLIC KEY": try self.init(spkiDER: document.derBytes)
            case "RSA PUBLIC KEY": self = .rsa(try RSAPublicKey(pkcs1DER: document.derBytes))
            default: throw AuthError(.malformedKey, "PEM label '\(document.label)' is not a public key")
            }
        } else {
            try self.init(spkiDER: bytes)
        }
    }

    /// Decodes SubjectPublicKeyInfo DER.
    public init(spkiDER bytes: [UInt8]) throws(AuthError) {
        let info = try SubjectPublicKeyInfo(der: bytes)
        switch info.algorithm {
        case .rsaEncryption: self = .rsa(try RSAPublicKey(spkiDER: bytes))
        case .ecPublicKey: self = .ecP256(try P256PublicKey(spkiDER: bytes))
        default:
            throw AuthError(.malformedKey, "unsupported public key algorithm \(info.algorithmName); expected RSA or EC P-256")
        }
    }

    /// SubjectPublicKeyInfo DER.
    public var spkiDER: [UInt8] {
        switch self {
        case .rsa(let key): key.spkiDER
        case .ecP256(let key): key.spkiDER
        }
    }

    /// PEM `PUBLIC KEY`.
    public var pemRepresentation: String {
        PEMDocument(label: "PUBLIC KEY", derBytes: spkiDER).pemString
    }
}

/// A private key of any supported kind, decoded from PKCS #8 (or PKCS #1 / SEC 1 PEM).
public enum AsymmetricPrivateKey: Sendable, Hashable {
    /// An RSA key.
    case rsa(RSAPrivateKey)
    /// An EC P-256 key.
    case ecP256(P256PrivateKey)

    /// Decodes binary PKCS #8 DER or PEM text (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`).
    public init(derOrPEM bytes: [UInt8]) throws(AuthError) {
        if PEMDocument.isPEM(bytes) {
            let documents = try PEMDocument.parseAll(String(decoding: bytes, as: UTF8.self)).filter { $0.label != "EC PARAMETERS" }
            guard let document = documents.first else {
                throw AuthError(.malformedKey, "no private key PEM block found")
            }
            switch document.label {
            case "PRIVATE KEY": try self.init(pkcs8DER: document.derBytes)
            case "RSA PRIVATE KEY": self = .rsa(try RSAPrivateKey(pkcs1DER: document.derBytes))
            case "EC PRIVATE KEY": self = .ecP256(try P256PrivateKey(sec1DER: document.derBytes))
            case "ENCRYPTED PRIVATE KEY": throw AuthError(.malformedKey, "encrypted private keys are not supported")
            default: throw AuthError(.malformedKey, "PEM label '\(document.label)' is not a private key")
            }
        } else {
            try self.init(pkcs8DER: bytes)
        }
    }

    /// Decodes PKCS #8 `PrivateKeyInfo` DER.
    public init(pkcs8DER bytes: [UInt8]) throws(AuthError) {
        let info = try PrivateKeyInfo(der: bytes)
        switch info.algorithm {
        case .rsaEncryption: self = .rsa(try RSAPrivateKey(pkcs8DER: bytes))
        case .ecPublicKey: self = .ecP256(try P256PrivateKey(pkcs8DER: bytes))
        default:
            throw AuthError(.malformedKey, "unsupported private key algorithm \(info.algorithmName); expected RSA or EC P-256")
        }
    }

    /// The matching public key.
    public var publicKey: AsymmetricPublicKey {
        switch self {
        case .rsa(let key): .rsa(key.publicKey)
        case .ecP256(let key): .ecP256(key.publicKey)
        }
    }

    /// PKCS #8 `PrivateKeyInfo` DER.
    public var pkcs8DER: [UInt8] {
        switch self {
        case .rsa(let key): key.pkcs8DER
        case .ecP256(let key): key.pkcs8DER()
        }
    }

    /// PEM `PRIVATE KEY` (PKCS #8).
    public var pemRepresentation: String {
        PEMDocument(label: "PRIVATE KEY", derBytes: pkcs8DER).pemString
    }
}
