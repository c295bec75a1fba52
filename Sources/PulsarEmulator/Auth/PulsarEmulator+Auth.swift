import PulsarAuth
import PulsarSupport

extension PulsarEmulator {
    /// Mints a token the emulator accepts for `role`, signed with the configured signing key (see
    /// ``EmulatorAuthentication/signingKey``), expiring `expiresIn` after the emulator clock's current time (a
    /// ``ManualClock`` included); nil never expires.
    ///
    /// ```swift
    /// let token = try emulator.mintToken(role: "svc", expiresIn: .seconds(60))
    /// emulator.advanceTime(by: .seconds(61))   // with a ManualClock: the token is now expired
    /// ```
    /// - Throws: ``EmulatorError`` (``EmulatorError/Code/invalidConfiguration``) when authentication is off or only
    ///   a public key is configured.
    public func mintToken(role: String, expiresIn: Duration? = nil) throws(EmulatorError) -> String {
        guard let authentication = configuration.authentication else {
            throw EmulatorError(.invalidConfiguration, "authentication is off: set EmulatorConfiguration.authentication")
        }
        let expiresAt = expiresIn.map { duration -> Int64 in
            (configuration.clock.now() + duration.wholeMilliseconds + 999) / 1000
        }
        return try authentication.mintToken(role: role, expiresAt: expiresAt)
    }

    /// Grants `grant.actions` to `grant.role` on its namespace or topic at run time (replacing what the role had
    /// there), like `pulsar-admin … grant-permission`.
    public func grant(_ grant: PermissionGrant) {
        core.withState { state, _, _ in state.auth.policy.grant(grant) }
    }

    /// Revokes what `role` was granted on `resource`, like `pulsar-admin … revoke-permission`; false if it had nothing.
    @discardableResult
    public func revoke(role: String, on resource: PermissionGrant.Resource) -> Bool {
        core.withState { state, _, _ in state.auth.policy.revoke(role: role, on: resource) }
    }
}
