/// A JWT in JWS compact serialization (RFC 7519 §7.2, RFC 7515 §7.1), parsed but not verified.
public struct JSONWebToken: Sendable {
    /// The longest token accepted (bytes).
    public static let maximumLength = 65536

    /// The decoded protected header.
    public let header: JSONObject
    /// The decoded claims set.
    public let claims: JSONObject
    /// The ASCII bytes of `header.payload`, which the signature covers.
    public let signingInput: [UInt8]
    /// The decoded signature (empty for unsecured tokens).
    public let signature: [UInt8]
    /// The header's `alg`.
    public let algorithm: JWTAlgorithm

    /// Parses `header.payload.signature`; requires three base64url segments, JSON
    /// objects for header and claims, a string `alg`, and no `crit` header.
    public init(compact token: some StringProtocol) throws(AuthError) {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maximumLength else {
            throw AuthError(.malformedToken, "token is \(bytes.count) bytes; the limit is \(Self.maximumLength)")
        }
        let segments = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            if segments.count == 5 {
                throw AuthError(.malformedToken, "token has 5 segments: encrypted JWE tokens are not supported")
            }
            throw AuthError(.malformedToken, "token has \(segments.count) segment\(segments.count == 1 ? "" : "s"); a signed JWT has 3 (header.payload.signature)")
        }
        let headerBytes = try Self.decodeSegment(segments[0], name: "header")
        let payloadBytes = try Self.decodeSegment(segments[1], name: "payload")
        do {
            signature = try Base64URL.decode(String(decoding: segments[2], as: UTF8.self))
        } catch {
            throw AuthError(.malformedToken, "token signature is not valid base64url: \(error.message)")
        }
        header = try Self.decodeObject(headerBytes, name: "header")
        claims = try Self.decodeObject(payloadBytes, name: "claims")
        guard let algorithmName = header["alg"]?.stringValue else {
            throw AuthError(.malformedToken, "token header has no string \"alg\" member")
        }
        if let critical = header["crit"] {
            throw AuthError(.malformedToken, "token header lists critical extensions \(critical.serialized) that are not understood")
        }
        algorithm = JWTAlgorithm(name: algorithmName)
        signingInput = Array(bytes[..<(segments[1].endIndex)])
    }

    private static func decodeSegment(_ segment: ArraySlice<UInt8>, name: String) throws(AuthError) -> [UInt8] {
        guard !segment.isEmpty else {
            throw AuthError(.malformedToken, "token \(name) segment is empty")
        }
        do {
            return try Base64URL.decode(String(decoding: segment, as: UTF8.self))
        } catch {
            throw AuthError(.malformedToken, "token \(name) is not valid base64url: \(error.message)")
        }
    }

    private static func decodeObject(_ bytes: [UInt8], name: String) throws(AuthError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw AuthError(.malformedToken, "token \(name) is not valid JSON: \(error.message)")
        }
        guard let object = value.objectValue else {
            throw AuthError(.malformedToken, "token \(name) is JSON but not an object")
        }
        return object
    }

    /// The `sub` claim, if it is a string.
    public var subject: String? { claims["sub"]?.stringValue }

    /// Verifies the signature with `key`; see `JWS.verify`.
    public func verifySignature(with key: JWTVerificationKey) throws(AuthError) {
        try JWS.verify(signature: signature, signingInput: signingInput, algorithm: algorithm, key: key)
    }
}
