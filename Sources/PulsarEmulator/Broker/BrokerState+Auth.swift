import PulsarAuth
import PulsarWire

/// Authentication (CONNECT, AUTH_CHALLENGE / AUTH_RESPONSE, expiry) and authorization (PRODUCER, SUBSCRIBE, LOOKUP,
/// PARTITIONED_METADATA, GET_TOPICS_OF_NAMESPACE), like the broker's `ServerCnx` with `AuthenticationProviderToken`
/// and `PulsarAuthorizationProvider`.
extension BrokerState {
    /// The challenge data the broker sends when it wants fresh credentials (`AuthData.REFRESH_AUTH_DATA`).
    static let refreshChallenge = Array("PulsarAuthRefresh".utf8)

    // MARK: Authentication

    /// Checks CONNECT's credentials when authentication is on. Returns false when they were refused: the client got
    /// `ERROR(2^64-1, AuthenticationError)` and the connection is closing.
    mutating func authenticateConnect(_ connect: CommandConnect, from id: ConnectionID, now: Int64,
                                      into outputs: inout BrokerOutputs) -> Bool {
        guard let settings = auth.settings else { return true }
        var method = connect.hasAuthMethodName ? connect.authMethodName : "none"
        if !connect.hasAuthMethodName, connect.hasAuthMethod, connect.authMethod != .none {
            method = connect.authMethod.name ?? "auth method \(connect.authMethod.rawValue)"
        }
        let role: String
        var expiresAt: Int64?
        switch method {
        case "token":
            let token = String(decoding: connect.authData, as: UTF8.self).trimmingOWS()
            guard !token.isEmpty else {
                refuseAuthentication(id, "Unable to authenticate: the token is empty", into: &outputs)
                return false
            }
            do throws(AuthError) {
                let validated = try auth.validate(token, now: now)
                role = validated.role
                expiresAt = BrokerAuthState.expiryMilliseconds(validated)
            } catch {
                refuseAuthentication(id, "Unable to authenticate (\(error.code)): \(error.message)", into: &outputs)
                return false
            }
        case "", "none":
            guard let anonymous = settings.anonymousRole else {
                refuseAuthentication(id, "Unable to authenticate: authentication is required and CONNECT carries no credentials "
                                     + "(expected auth method \"token\")", into: &outputs)
                return false
            }
            role = anonymous
        default:
            refuseAuthentication(id, "Unable to authenticate: unknown authentication method \"\(method)\" "
                                 + "(the emulator accepts \"token\")", into: &outputs)
            return false
        }
        connections[id]?.role = role
        auth.sessions[id] = BrokerAuthState.Session(role: role, expiresAt: expiresAt,
                                                    supportsRefresh: connect.featureFlags?.supportsAuthRefresh ?? false,
                                                    nextCheck: now + auth.refreshCheckMilliseconds)
        timers.schedule(.authenticationCheck(id), at: now + auth.refreshCheckMilliseconds)
        return true
    }

    /// AUTH_RESPONSE: fresh credentials after AUTH_CHALLENGE (or unasked). They must validate and name the same role;
    /// otherwise ERROR(AuthenticationError) and the connection closes. Ignored when authentication is off.
    mutating func handleAuthResponse(_ response: CommandAuthResponse, from id: ConnectionID, now: Int64,
                                     into outputs: inout BrokerOutputs) {
        guard auth.isEnabled, var session = auth.sessions[id] else { return }
        guard let data = response.response, data.authMethodName == "token" else {
            let method = response.response.map { "\"\($0.authMethodName)\"" } ?? "nothing"
            refuseAuthentication(id, "Failed to authenticate: AUTH_RESPONSE carries \(method), expected a \"token\"", into: &outputs)
            return
        }
        let validated: ValidatedToken
        do throws(AuthError) {
            validated = try auth.validate(String(decoding: data.authData, as: UTF8.self).trimmingOWS(), now: now)
        } catch {
            refuseAuthentication(id, "Failed to authenticate (\(error.code)): \(error.message)", into: &outputs)
            return
        }
        guard validated.role == session.role else {
            refuseAuthentication(id, "Failed to authenticate: the role cannot change during an authentication refresh "
                                 + "('\(session.role)' → '\(validated.role)')", into: &outputs)
            return
        }
        session.expiresAt = BrokerAuthState.expiryMilliseconds(validated)
        session.challengePending = false
        auth.sessions[id] = session
    }

    /// The periodic expiry check of one connection (`authenticationRefreshCheckSeconds`): an expired token gets
    /// AUTH_CHALLENGE when the client supports refresh, else the connection is closed; a challenge still unanswered at
    /// the next check closes it. Reschedules itself while the session lives.
    mutating func checkAuthenticationExpiry(of id: ConnectionID, now: Int64, into outputs: inout BrokerOutputs) {
        guard auth.isEnabled, var session = auth.sessions[id], let connection = connections[id],
              connection.phase == .connected else { return }
        guard session.nextCheck <= now else {
            timers.schedule(.authenticationCheck(id), at: session.nextCheck)
            return
        }
        session.nextCheck = now + auth.refreshCheckMilliseconds
        auth.sessions[id] = session
        timers.schedule(.authenticationCheck(id), at: session.nextCheck)
        guard session.isExpired(now: now) else { return }
        if !session.supportsRefresh {
            closeForAuthentication(id, "the token of role '\(session.role)' expired and the client does not support "
                                   + "authentication refresh", into: &outputs)
        } else if session.challengePending {
            closeForAuthentication(id, "timeout on refreshing auth credentials of role '\(session.role)'", into: &outputs)
        } else {
            auth.sessions[id]?.challengePending = true
            // Like Commands.newAuthChallenge: no server_version.
            outputs.send(.authChallenge(CommandAuthChallenge(
                challenge: AuthData(authMethodName: "token", authData: Self.refreshChallenge),
                protocolVersion: connection.protocolVersion)), to: id)
        }
    }

    /// Sends `ERROR(2^64-1, AuthenticationError, message)` and closes the connection.
    mutating func refuseAuthentication(_ id: ConnectionID, _ message: String, into outputs: inout BrokerOutputs) {
        replyError(Self.connectionLevelRequestId, .authenticationError, message, to: id, into: &outputs)
        closeForAuthentication(id, message, into: &outputs)
    }

    /// Closes a connection without a reply (an expired token the client cannot refresh, like the broker).
    private mutating func closeForAuthentication(_ id: ConnectionID, _ message: String, into outputs: inout BrokerOutputs) {
        connections[id]?.phase = .closing
        auth.sessions[id] = nil
        outputs.close(id, .authentication(message))
    }

    // MARK: Authorization

    /// Nil if the connection's role may do `operation` on `topic`, else why not.
    func authorizationRefusal(_ operation: AuthorizationPolicy.TopicOperation, on topic: TopicName,
                              from id: ConnectionID) -> String? {
        guard auth.enforcesAuthorization else { return nil }
        let role = connections[id]?.role
        if auth.policy.allows(operation, on: topic, role: role, tenantAdmins: tenantAdminRoles(topic.tenant)) { return nil }
        let who = role.map { "role '\($0)'" } ?? "an anonymous client"
        let needed = operation == .lookup ? "produce or consume" : "\(operation)"
        return "\(who) has no \(needed) permission on \(topic.partitionedParent)"
    }

    /// PRODUCER (`produce`) and SUBSCRIBE (`consume`): false after answering ERROR(AuthorizationError).
    func authorize(_ operation: AuthorizationPolicy.TopicOperation, _ topic: TopicName, requestId: UInt64,
                   from id: ConnectionID, into outputs: inout BrokerOutputs) -> Bool {
        guard let refusal = authorizationRefusal(operation, on: topic, from: id) else { return true }
        let what = operation == .produce ? "Produce" : "subscribe"
        replyError(requestId, .authorizationError, "Client is not authorized to \(what): \(refusal)", to: id, into: &outputs)
        return false
    }

    /// LOOKUP: false after answering LOOKUP_RESPONSE(Failed, AuthorizationError).
    func authorizeLookup(_ topic: TopicName, requestId: UInt64, from id: ConnectionID, into outputs: inout BrokerOutputs) -> Bool {
        guard let refusal = authorizationRefusal(.lookup, on: topic, from: id) else { return true }
        outputs.send(.lookupResponse(CommandLookupTopicResponse(
            response: .failed, requestId: requestId, error: .authorizationError,
            message: "Client is not authorized to Perform Lookup: \(refusal)")), to: id)
        return false
    }

    /// PARTITIONED_METADATA: false after answering PARTITIONED_METADATA_RESPONSE(Failed, AuthorizationError).
    func authorizePartitionedMetadata(_ topic: TopicName, requestId: UInt64, from id: ConnectionID,
                                      into outputs: inout BrokerOutputs) -> Bool {
        guard let refusal = authorizationRefusal(.lookup, on: topic, from: id) else { return true }
        outputs.send(.partitionedMetadataResponse(CommandPartitionedTopicMetadataResponse(
            requestId: requestId, response: .failed, error: .authorizationError,
            message: "Client is not authorized to Get Partition Metadata: \(refusal)")), to: id)
        return false
    }

    /// GET_TOPICS_OF_NAMESPACE: false after answering ERROR(AuthorizationError).
    func authorizeTopicListing(_ namespace: String, requestId: UInt64, from id: ConnectionID,
                               into outputs: inout BrokerOutputs) -> Bool {
        guard auth.enforcesAuthorization else { return true }
        let role = connections[id]?.role
        let tenant = String(namespace.prefix { $0 != "/" })
        if auth.policy.allowsListing(namespace: namespace, role: role, tenantAdmins: tenantAdminRoles(tenant)) { return true }
        replyError(requestId, .authorizationError, "Client is not authorized to list the topics of \(namespace): "
                   + "\(role.map { "role '\($0)'" } ?? "an anonymous client") has no produce or consume permission there",
                   to: id, into: &outputs)
        return false
    }

    /// The admin roles of a tenant (`TenantInfo.adminRoles`).
    func tenantAdminRoles(_ tenant: String) -> [String] { adminCatalog.tenants[tenant]?.adminRoles ?? [] }
}
