/// Creates signed tokens as `pulsar tokens create` does: header `{"alg":"…"}` (no
/// `typ`), claims `{"sub":"…","exp":…}` followed by any extra claims.
public enum TokenMinter {
    /// Mints a token for `subject`, expiring at `expiresAt` (Unix seconds) if given.
    ///
    /// - Throws: `invalidConfiguration` if `extraClaims` repeats `sub`/`exp` or
    ///   `extraHeaders` sets `alg`; key/algorithm errors as `JWS.sign`.
    public static func mint(
        subject: String, expiresAt: UInt64? = nil, algorithm: JWTAlgorithm, key: JWTSigningKey,
        extraClaims: JSONObject = [:], extraHeaders: JSONObject = [:]
    ) throws(AuthError) -> String {
        var claims: JSONObject = ["sub": .string(subject)]
        if let expiresAt {
            guard expiresAt <= UInt64(Int64.max) else {
                throw AuthError(.invalidConfiguration, "expiry \(expiresAt) is out of range")
            }
            claims["exp"] = .integer(Int64(expiresAt))
        }
        for (name, value) in extraClaims {
            guard claims[name] == nil else {
                throw AuthError(.invalidConfiguration, "extra claim \"\(name)\" would override the \(name) set from the arguments")
            }
            claims[name] = value
        }
        return try mint(claims: claims, algorithm: algorithm, key: key, extraHeaders: extraHeaders)
    }

    /// Mints a token with exactly these claims.
    public static func mint(
        claims: JSONObject, algorithm: JWTAlgorithm, key: JWTSigningKey, extraHeaders: JSONObject = [:]
    ) throws(AuthError) -> String {
        var header: JSONObject = ["alg": .string(algorithm.name)]
        for (name, value) in extraHeaders {
            guard name != "alg" else {
                throw AuthError(.invalidConfiguration, "extra headers cannot set \"alg\"; pass the algorithm instead")
            }
            header[name] = value
        }
        let signingInput = Base64URL.encode(header.serialized.utf8) + "." + Base64URL.encode(claims.serialized.utf8)
        let signature = try JWS.sign(Array(signingInput.utf8), algorithm: algorithm, key: key)
        return signingInput + "." + Base64URL.encode(signature)
    }
}
