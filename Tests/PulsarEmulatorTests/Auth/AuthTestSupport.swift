import PulsarAuth
import PulsarWire
@testable import PulsarEmulator

/// The keys and PyJWT-minted tokens of `Fixtures/jwt` (see its README for their provenance).
enum JWTFixtures {
    /// `Fixtures/jwt`, found by walking up from this file.
    static let directory: String = {
        var components = String(#filePath).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        while components.count > 1 {
            components.removeLast()
            let candidate = components.joined(separator: "/") + "/Fixtures/jwt"
            if KeyFileIO.fileExists(path: candidate + "/tokens.json") { return candidate }
        }
        fatalError("Fixtures/jwt not found above \(#filePath)")
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func bytes(_ name: String) -> [UInt8] {
        do { return try KeyFileIO.read(path: path(name)) } catch { fatalError("\(error)") }
    }

    /// `tokens.json`.
    static let manifest: JSONObject = {
        guard let object = (try? PulsarAuth.JSONValue(parsing: bytes("tokens.json")))?.objectValue else {
            fatalError("Fixtures/jwt/tokens.json is invalid")
        }
        return object
    }()

    /// The time every fixture's expectation assumes, in milliseconds (the broker harness starts there too).
    static let now: Int64 = (manifest["now"]?.integerValue ?? 0) * 1000

    /// The fixture token named `name`.
    static func token(_ name: String) -> String {
        for entry in manifest["tokens"]?.arrayValue ?? [] where entry.objectValue?["name"]?.stringValue == name {
            return entry.objectValue!["token"]!.stringValue!
        }
        fatalError("no fixture token \(name)")
    }

    /// The 32-byte HS256 secret.
    static let secret = bytes("hs256-secret.key")
    /// The RSA-2048 private key (PKCS #8 DER).
    static let rsaPrivateKey: JWTSigningKey = {
        do { return JWTSigningKey(try AsymmetricPrivateKey(derOrPEM: bytes("rsa-private.der"))) } catch { fatalError("\(error)") }
    }()
    /// The P-256 private key (PKCS #8 PEM).
    static let ecPrivateKey: JWTSigningKey = {
        do { return JWTSigningKey(try AsymmetricPrivateKey(derOrPEM: bytes("ec-private.pem"))) } catch { fatalError("\(error)") }
    }()

    /// HS256 authentication with the fixture secret, authorization off unless `configure` turns it on.
    static func secretAuthentication(_ configure: (inout EmulatorAuthentication) -> Void = { _ in }) -> EmulatorAuthentication {
        var authentication = EmulatorAuthentication.secretKey(secret)
        authentication.authorizationEnabled = false
        configure(&authentication)
        return authentication
    }

    /// A token for `role` signed with the fixture secret, expiring at `expiresAt` (Unix seconds).
    static func token(role: String, expiresAt: Int64? = nil) -> String {
        do { return try secretAuthentication().mintToken(role: role, expiresAt: expiresAt) } catch { fatalError("\(error)") }
    }
}

extension BrokerHarness {
    /// A harness whose broker authenticates with `authentication`, at the fixtures' time.
    init(authentication: EmulatorAuthentication, configure: (inout EmulatorConfiguration) -> Void = { _ in }) {
        self.init { configuration in
            configuration.authentication = authentication
            configure(&configuration)
        }
        now = JWTFixtures.now
    }

    /// Opens a connection and sends CONNECT with `token` (method `token`, unless `method` says otherwise); returns
    /// the connection and what the broker answered on it.
    mutating func connect(token: String?, method: String? = "token", refresh: Bool = true) -> (ConnectionID, [Frame]) {
        let id = open()
        let connect = CommandConnect(clientVersion: "test", authData: token.map { Array($0.utf8) }, protocolVersion: 20,
                                     authMethodName: method, featureFlags: FeatureFlags(supportsAuthRefresh: refresh))
        return (id, handle(.connect(connect), from: id)[id] ?? [])
    }

    /// Connects with `token` and requires CONNECTED.
    mutating func authenticatedConnection(_ token: String, refresh: Bool = true) -> ConnectionID {
        let (id, frames) = connect(token: token, refresh: refresh)
        precondition(frames.first?.command.isConnected == true, "expected CONNECTED, got \(frames)")
        return id
    }
}

extension Command {
    /// True for CONNECTED.
    var isConnected: Bool { if case .connected = self { true } else { false } }
    /// The CommandError of an ERROR.
    var errorCommand: CommandError? { if case .error(let error) = self { error } else { nil } }
}
