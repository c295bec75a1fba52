import PulsarAuth
import PulsarSupport

/// The broker's authentication and authorization state: the settings, the validator built from them, the
/// permissions (changed at run time by the admin REST API) and one session per authenticated connection.
struct BrokerAuthState {
    /// What an authenticated connection needs for the expiry check.
    struct Session: Equatable {
        /// The role the token gave.
        var role: String
        /// When the token expires, milliseconds since the epoch; nil never.
        var expiresAt: Int64?
        /// The client announced `supports_auth_refresh`: it gets AUTH_CHALLENGE instead of a disconnect.
        var supportsRefresh: Bool
        /// AUTH_CHALLENGE was sent and not yet answered.
        var challengePending = false
        /// When the next expiry check is due.
        var nextCheck: Int64

        /// Whether the token has expired at `now` (`exp` must be after now).
        func isExpired(now: Int64) -> Bool { expiresAt.map { now >= $0 } ?? false }
    }

    /// The settings, or nil when authentication is off.
    let settings: EmulatorAuthentication?
    /// The validator, or why the settings cannot make one (then every CONNECT is refused with that reason).
    let validator: Result<TokenValidator, AuthError>?
    /// Superusers and grants.
    var policy: AuthorizationPolicy
    /// Authenticated connections.
    var sessions: [ConnectionID: Session] = [:]

    init(_ settings: EmulatorAuthentication?) {
        self.settings = settings
        if let settings {
            do throws(AuthError) {
                validator = .success(try settings.makeTokenValidator())
            } catch {
                validator = .failure(error)
            }
            policy = AuthorizationPolicy(superuserRoles: settings.superuserRoles, grants: settings.grants)
        } else {
            validator = nil
            policy = AuthorizationPolicy()
        }
    }

    /// Whether clients must authenticate.
    var isEnabled: Bool { settings != nil }

    /// Whether roles are checked against the permissions.
    var enforcesAuthorization: Bool { settings?.authorizationEnabled == true }

    /// The expiry check period in milliseconds (at least 1).
    var refreshCheckMilliseconds: Int64 {
        guard let interval = settings?.refreshCheckInterval else { return 60_000 }
        return max(1, interval.wholeMilliseconds)
    }

    /// Validates a token at `now` (milliseconds since the epoch).
    func validate(_ token: String, now: Int64) throws(AuthError) -> ValidatedToken {
        guard let validator else { throw AuthError(.invalidConfiguration, "authentication is not enabled") }
        return try validator.get().validate(token, now: UInt64(max(0, now)) / 1000)
    }

    /// The expiry of a validated token in milliseconds since the epoch, or nil if it never expires.
    static func expiryMilliseconds(_ token: ValidatedToken) -> Int64? {
        token.expiresAt.map { $0 >= UInt64(Int64.max / 1000) ? Int64.max : Int64($0) * 1000 }
    }
}
