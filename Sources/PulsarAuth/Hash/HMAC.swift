/// HMAC (RFC 2104) over any `HashFunction`.
public enum HMAC {
    /// Computes HMAC-H(key, message) for the hash function `H`.
    public static func authenticationCode<H: HashFunction>(
        _ hash: H.Type, key: some Collection<UInt8>, message: some Collection<UInt8>
    ) -> [UInt8] {
        var mac = Authenticator<H>(key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// HMAC-SHA-256.
    public static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        authenticationCode(SHA256.self, key: key, message: message)
    }

    /// HMAC-SHA-384.
    public static func sha384(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        authenticationCode(SHA384.self, key: key, message: message)
    }

    /// HMAC-SHA-512.
    public static func sha512(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        authenticationCode(SHA512.self, key: key, message: message)
    }

    /// An incremental HMAC computation.
    public struct Authenticator<H: HashFunction>: Sendable {
        private var inner: H
        private var outerKeyPad: [UInt8]

        /// Starts an HMAC computation with `key` (hashed first if longer than a block).
        public init(key: some Collection<UInt8>) {
            var keyBlock = key.count > H.blockSize ? H.hash(key) : Array(key)
            keyBlock.append(contentsOf: repeatElement(0, count: H.blockSize - keyBlock.count))
            inner = H()
            inner.update(keyBlock.map { $0 ^ 0x36 })
            outerKeyPad = keyBlock.map { $0 ^ 0x5c }
        }

        /// Absorbs more message bytes.
        public mutating func update(_ bytes: some Collection<UInt8>) {
            inner.update(bytes)
        }

        /// Returns the authentication code.
        public mutating func finalize() -> [UInt8] {
            let innerDigest = inner.finalize()
            var outer = H()
            outer.update(outerKeyPad)
            outer.update(innerDigest)
            return outer.finalize()
        }
    }

    /// Compares two byte strings in time independent of where they differ.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices {
            difference |= a[i] ^ b[i]
        }
        return difference == 0
    }
}
