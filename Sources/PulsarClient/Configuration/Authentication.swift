#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How the client authenticates to the broker: nothing, or a JWT token (Pulsar's `token` method).
///
/// The token goes in CONNECT as the raw compact JWT (no `Bearer `). When the broker sends AUTH_CHALLENGE because the
/// token of an open connection expired, the client asks its source again and answers with what it returns, so a
/// ``tokenFile(_:)`` or ``tokenSupplier(_:)`` source keeps long-lived connections authenticated.
public struct Authentication: Sendable {
    enum Source: Sendable {
        case none
        case token(String)
        case file(String)
        case supplier(@Sendable () async throws -> String)
    }

    let source: Source

    /// No authentication.
    public static let none = Authentication(source: .none)

    /// A fixed token. A value of the form `file:///path` reads the token from that file, like the Java client.
    public static func token(_ token: String) -> Authentication {
        if token.hasPrefix("file://") { return tokenFile(String(token.dropFirst("file://".count))) }
        return Authentication(source: .token(token))
    }

    /// A token read from a file (whitespace trimmed), read again on every connection and every AUTH_CHALLENGE.
    public static func tokenFile(_ path: String) -> Authentication { Authentication(source: .file(path)) }

    /// A token returned by `supplier`, called on every connection and every AUTH_CHALLENGE (to refresh it).
    public static func tokenSupplier(_ supplier: @escaping @Sendable () async throws -> String) -> Authentication {
        Authentication(source: .supplier(supplier))
    }

    /// The method name sent in CONNECT (`token`), or nil without authentication.
    var methodName: String? {
        if case .none = source { return nil }
        return "token"
    }

    /// The credential bytes to send now.
    ///
    /// - Throws: ``PulsarClientError/Code/authentication`` if the file cannot be read, the supplier fails or the
    ///   token is empty.
    func credentials() async throws -> [UInt8] {
        let token: String
        switch source {
        case .none:
            return []
        case .token(let value):
            token = value
        case .file(let path):
            token = String(decoding: try await TokenFile.contents(atPath: path), as: UTF8.self)
        case .supplier(let supplier):
            do {
                token = try await supplier()
            } catch let error as PulsarClientError {
                throw error
            } catch {
                throw PulsarClientError(.authentication, "the token supplier failed: \(error)")
            }
        }
        let trimmed = token.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw PulsarClientError(.authentication, "the authentication token is empty") }
        return Array(trimmed.utf8)
    }
}
