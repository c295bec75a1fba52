import PulsarNet
import PulsarAuth
import PulsarWire

/// The admin REST API and `/metrics`: a request and the broker state in, a response out. No I/O: the HTTP server
/// calls it under the broker lock (``BrokerCore/withState(_:)``), which then flushes any frames it queued (for
/// example CLOSE_CONSUMER after a cursor reset).
///
/// Served (everything else is 404 with a `reason`):
/// ```
///  GET    /metrics                                   Prometheus text, topic-level metrics
///  GET    /status.html                               "OK"
///  GET    /admin/v2/clusters[/{cluster}]             ["standalone"], cluster data
///  GET    /admin/v2/brokers/{health|ready|version}   "ok", "ok", version
///  GET    /admin/v2/brokers/{cluster}                active brokers ("host:port")
///  *      /admin/v2/tenants[/{tenant}]               list; GET / PUT / POST / DELETE a tenant
///  *      /admin/v2/namespaces/{tenant}[/{ns}[/topics]]  list; GET policies / PUT / DELETE a namespace; topics
///  GET    /admin/v2/{domain}/{tenant}/{ns}[/partitioned]  topics (partitions included) / partitioned topics
///  PUT|DELETE       …/{topic}                        create / delete (?force=true) a non-partitioned topic
///  GET|PUT|POST|DELETE …/{topic}/partitions          metadata / create N / grow to N / delete
///  GET    …/{topic}/{stats|internalStats|partitioned-stats|partitioned-internalStats|subscriptions|lastMessageId}
///  PUT    …/{topic}/unload
///  PUT|DELETE …/{topic}/subscription/{sub}           create (latest, or the message id in the body) / delete
///  POST   …/{topic}/subscription/{sub}/{skip_all | skip/{n} | resetcursor/{time} | resetcursor}
///  *      …/permissions[/{role}] of a namespace or topic, and token checks: see AdminRouter+Auth
/// ```
struct AdminRouter: Sendable {
    /// `pulsar://host:port` of the binary protocol.
    var brokerServiceURL: String
    /// `http://host:port` of this API.
    var webServiceURL: String
    /// What `GET /admin/v2/brokers/version` answers.
    var version = "3.3.0"

    /// The answer to `request`; state changes happen in `state`, frames for clients go to `outputs`.
    func respond(to request: HTTPRequest, state: inout BrokerState, now: Int64, outputs: inout BrokerOutputs) -> HTTPResponse {
        if let refusal = accessRefusal(request, state: state, now: now) { return refusal }
        let call = Call(request: request, method: request.method == "HEAD" ? "GET" : request.method)
        do {
            return try route(call, state: &state, now: now, outputs: &outputs)
        } catch {
            return error.response
        }
    }

    /// The request being routed.
    private struct Call {
        let request: HTTPRequest
        let method: String
        var segments: ArraySlice<String> { request.pathSegments[...] }
        var force: Bool { request.query["force"]?.lowercased() == "true" }

        func body() throws(AdminError) -> JSONValue? {
            guard !request.body.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return nil }
            do {
                return try JSONValue.parse(request.body)
            } catch {
                throw AdminError(.badRequest, "Request body is not valid JSON: \(error.message)")
            }
        }
    }

    private func route(_ call: Call, state: inout BrokerState, now: Int64,
                       outputs: inout BrokerOutputs) throws(AdminError) -> HTTPResponse {
        let path = Array(call.segments)
        if let response = try permissions(call.request, method: call.method, path, state: &state) { return response }
        if let response = try namespacePolicies(call.request, method: call.method, path, state: &state) { return response }
        switch path.first {
        case "metrics" where path.count == 1:
            guard call.method == "GET" else { return .methodNotAllowed(allowed: ["GET"]) }
            return .metrics(PrometheusMetrics.snapshot(state))
        case "pulsarkit" where path.count >= 2 && path[1] == "faults":
            return try faultControl(call.method, path[2...], body: try call.body(), state: &state, outputs: &outputs)
        case "pulsarkit" where path.count >= 2:
            if let response = try lifecycleControl(call.method, Array(path[1...]), query: call.request.query, state: &state,
                                                   now: now, outputs: &outputs) { return response }
            return try emulatorControl(call.method, path[1...], query: call.request.query, state: &state, outputs: &outputs)
        case "status.html" where path.count == 1:
            guard call.method == "GET" else { return .methodNotAllowed(allowed: ["GET"]) }
            return .text("OK")
        case "admin" where path.count >= 3 && path[1] == "v2":
            let rest = path[3...]
            switch path[2] {
            case "clusters": return try clusters(call, rest)
            case "brokers": return try brokers(call, rest)
            case "tenants": return try tenants(call, rest, state: &state)
            case "namespaces": return try namespaces(call, rest, state: &state, now: now, outputs: &outputs)
            case "persistent": return try topics(call, .persistent, rest, state: &state, now: now, outputs: &outputs)
            case "non-persistent": return try topics(call, .nonPersistent, rest, state: &state, now: now, outputs: &outputs)
            default: break
            }
        default: break
        }
        throw notServed(call)
    }

    private func notServed(_ call: Call) -> AdminError {
        AdminError(.notFound, "\(call.method) \(call.request.target) is not served by the PulsarKit emulator")
    }

    // MARK: Clusters and brokers

    private func clusters(_ call: Call, _ rest: ArraySlice<String>) throws(AdminError) -> HTTPResponse {
        guard call.method == "GET" else { return .methodNotAllowed(allowed: ["GET"]) }
        switch rest.count {
        case 0:
            return .json([.string(AdminCatalog.clusterName)])
        case 1:
            guard rest.first == AdminCatalog.clusterName else { throw AdminError(.notFound, "Cluster does not exist") }
            return .json(["serviceUrl": .string(webServiceURL), "brokerServiceUrl": .string(brokerServiceURL),
                          "authenticationPlugin": nil, "authenticationParameters": nil, "proxyServiceUrl": nil,
                          "brokerClientTlsEnabled": false, "tlsAllowInsecureConnection": false])
        default:
            throw notServed(call)
        }
    }

    private func brokers(_ call: Call, _ rest: ArraySlice<String>) throws(AdminError) -> HTTPResponse {
        guard call.method == "GET" else { return .methodNotAllowed(allowed: ["GET"]) }
        guard rest.count == 1, let what = rest.first else { throw notServed(call) }
        let webAddress = String(webServiceURL.dropFirst("http://".count))
        switch what {
        case "health", "ready": return .text("ok")
        case "version": return .text(version)
        case "leaderBroker":
            return .json(["serviceUrl": .string(webServiceURL), "brokerId": .string(webAddress)])
        case AdminCatalog.clusterName: return .json([.string(webAddress)])
        default: throw AdminError(.notFound, "Cluster does not exist")
        }
    }

    // MARK: Tenants and namespaces

    private func tenants(_ call: Call, _ rest: ArraySlice<String>, state: inout BrokerState) throws(AdminError) -> HTTPResponse {
        guard let tenant = rest.first else {
            guard call.method == "GET" else { return .methodNotAllowed(allowed: ["GET"]) }
            return .json(.strings(state.adminTenantNames))
        }
        guard rest.count == 1 else { throw notServed(call) }
        try Self.validateEntity(tenant, kind: "Tenant")
        switch call.method {
        case "GET":
            guard state.adminTenantExists(tenant) else { throw AdminError.tenantNotFound }
            return .json((state.adminCatalog.tenants[tenant] ?? TenantInfo()).json)
        case "PUT":
            try state.adminCreateTenant(tenant, info: TenantInfo(json: call.body()))
        case "POST":
            try state.adminUpdateTenant(tenant, info: TenantInfo(json: call.body()))
        case "DELETE":
            try state.adminDeleteTenant(tenant)
        default:
            return .methodNotAllowed(allowed: ["GET", "PUT", "POST", "DELETE"])
        }
        return .noContent
    }

    private func namespaces(_ call: Call, _ rest: ArraySlice<String>, state: inout BrokerState, now: Int64,
                            outputs: inout BrokerOutputs) throws(AdminError) -> HTTPResponse {
        let parts = Array(rest)
        guard let tenant = parts.first else { throw notServed(call) }
        try Self.validateEntity(tenant, kind: "Tenant")
        if parts.count == 1 {
            guard call.method == "GET" else { return .methodNotAllowed(allowed: ["GET"]) }
            guard state.adminTenantExists(tenant) else { throw AdminError.tenantNotFound }
            return .json(.strings(state.adminNamespaceNames(tenant: tenant)))
        }
        try Self.validateEntity(parts[1], kind: "Namespace")
        let namespace = "\(tenant)/\(parts[1])"
        if parts.count == 3, parts[2] == "topics" {
            guard call.method == "GET" else { return .methodNotAllowed(allowed: ["GET"]) }
            guard state.adminNamespaceExists(namespace) else { throw AdminError.namespaceNotFound }
            let mode = call.request.query["mode"]?.uppercased() ?? "PERSISTENT"
            let domains: [TopicName.Domain] = mode == "ALL" ? [.persistent, .nonPersistent]
                : mode == "NON_PERSISTENT" ? [.nonPersistent] : [.persistent]
            return .json(.strings(domains.flatMap { state.adminTopicNames(namespace: namespace, domain: $0) }))
        }
        guard parts.count == 2 else { throw notServed(call) }
        switch call.method {
        case "GET":
            guard state.adminNamespaceExists(namespace) else { throw AdminError.namespaceNotFound }
            return .json(Self.policies)
        case "PUT":
            _ = try call.body()
            try state.adminCreateNamespace(namespace)
        case "DELETE":
            try state.adminDeleteNamespace(namespace, force: call.force, now: now, into: &outputs)
        default:
            return .methodNotAllowed(allowed: ["GET", "PUT", "DELETE"])
        }
        return .noContent
    }

    /// The policies of a fresh namespace, the broker's most used fields.
    private static let policies: JSONValue = [
        "auth_policies": ["namespace_auth": [:], "destination_auth": [:], "subscription_auth_roles": [:]],
        "replication_clusters": [.string(AdminCatalog.clusterName)],
        "bundles": ["boundaries": ["0x00000000", "0xffffffff"], "numBundles": 1],
        "backlog_quota_map": [:], "clusterDispatchRate": [:], "topicDispatchRate": [:], "subscriptionDispatchRate": [:],
        "replicatorDispatchRate": [:], "clusterSubscribeRate": [:], "publishMaxMessageRate": [:],
        "latency_stats_sample_rate": [:], "deleted": false, "encryption_required": false,
        "subscription_auth_mode": "None", "offload_threshold": -1, "offload_threshold_in_seconds": -1,
        "schema_auto_update_compatibility_strategy": "Full", "schema_compatibility_strategy": "UNDEFINED",
        "is_allow_auto_update_schema": true, "schema_validation_enforced": false, "subscription_types_enabled": [],
        "properties": [:],
    ]

    /// Tenants and namespaces use letters, digits and `-=:._`, like topic names.
    private static func validateEntity(_ name: String, kind: String) throws(AdminError) {
        let probe = kind == "Tenant" ? "persistent://\(name)/n/t" : "persistent://t/\(name)/t"
        guard !name.contains("/"), (try? TopicName(probe)) != nil else {
            throw AdminError(.preconditionFailed, "\(kind) name is not valid")
        }
    }

    // MARK: Topics

    private func topics(_ call: Call, _ domain: TopicName.Domain, _ rest: ArraySlice<String>, state: inout BrokerState,
                        now: Int64, outputs: inout BrokerOutputs) throws(AdminError) -> HTTPResponse {
        let parts = Array(rest)
        guard parts.count >= 2 else { throw notServed(call) }
        try Self.validateEntity(parts[0], kind: "Tenant")
        try Self.validateEntity(parts[1], kind: "Namespace")
        let namespace = "\(parts[0])/\(parts[1])"
        if parts.count == 2 || (parts.count == 3 && parts[2] == "partitioned") {
            guard call.method == "GET" else { return .methodNotAllowed(allowed: ["GET"]) }
            guard state.adminNamespaceExists(namespace) else { throw AdminError.namespaceNotFound }
            return .json(.strings(parts.count == 2 ? state.adminTopicNames(namespace: namespace, domain: domain)
                                  : state.adminPartitionedTopicNames(namespace: namespace, domain: domain)))
        }
        let name: TopicName
        do {
            name = try state.topicName("\(domain.rawValue)://\(namespace)/\(parts[2])")
        } catch {
            throw AdminError(.preconditionFailed, "Topic name is not valid: \(error.message)")
        }
        let action = parts[3...]
        switch action.first {
        case nil:
            switch call.method {
            case "PUT": try state.adminCreateTopic(name)
            case "DELETE": try state.adminDeleteTopic(name, force: call.force, now: now, into: &outputs)
            default: return .methodNotAllowed(allowed: ["PUT", "DELETE"])
            }
            return .noContent
        case "partitions" where action.count == 1:
            return try partitions(call, name, state: &state, now: now, outputs: &outputs)
        case "subscription" where action.count >= 2:
            return try subscription(call, name, action.dropFirst(), state: &state, now: now, outputs: &outputs)
        case let what? where action.count == 1:
            return try topicResource(call, name, what, state: &state, now: now, outputs: &outputs)
        default:
            throw notServed(call)
        }
    }

    private func partitions(_ call: Call, _ name: TopicName, state: inout BrokerState, now: Int64,
                            outputs: inout BrokerOutputs) throws(AdminError) -> HTTPResponse {
        switch call.method {
        case "GET":
            return .json(["partitions": .number(try state.adminPartitionCount(name)), "deleted": false])
        case "PUT":
            try state.adminCreatePartitionedTopic(name, partitions: try Self.partitionCount(call.body()))
        case "POST":
            try state.adminUpdatePartitionedTopic(name, partitions: try Self.partitionCount(call.body()))
        case "DELETE":
            try state.adminDeletePartitionedTopic(name, force: call.force, now: now, into: &outputs)
        default:
            return .methodNotAllowed(allowed: ["GET", "PUT", "POST", "DELETE"])
        }
        return .noContent
    }

    /// The body of a partitions request: a number (`3`), also accepted as a string (`"3"`), in the range of the
    /// broker's `int`.
    private static func partitionCount(_ body: JSONValue?) throws(AdminError) -> Int {
        if let count = body?.intValue, let value = Int32(exactly: count) { return Int(value) }
        if let text = body?.stringValue, let value = Int32(text) { return Int(value) }
        throw AdminError(.badRequest, "The body must be the number of partitions, an integer up to \(Int32.max)")
    }

    private func topicResource(_ call: Call, _ name: TopicName, _ what: String, state: inout BrokerState, now: Int64,
                               outputs: inout BrokerOutputs) throws(AdminError) -> HTTPResponse {
        if what == "unload" {
            guard call.method == "PUT" else { return .methodNotAllowed(allowed: ["PUT"]) }
            if state.partitionedTopics[name] != nil {
                for partition in state.usedPartitions(of: name) {
                    try state.adminUnloadTopic(partition, now: now, into: &outputs)
                }
            } else {
                try state.adminUnloadTopic(name, now: now, into: &outputs)
            }
            return .noContent
        }
        guard ["stats", "internalStats", "partitioned-stats", "partitioned-internalStats", "subscriptions",
               "lastMessageId"].contains(what) else { throw notServed(call) }
        guard call.method == "GET" else { return .methodNotAllowed(allowed: ["GET"]) }
        switch what {
        case "stats":
            // A partition not used yet exists for the broker: it answers with empty statistics.
            if state.isPartitionOfExistingTopic(name) { state.createTopic(name) }
            guard let stats = state.adminTopicStats(name) else { throw AdminError.topicNotFound(name) }
            return .json(stats.json)
        case "internalStats":
            if state.isPartitionOfExistingTopic(name) { state.createTopic(name) }
            guard let stats = state.adminInternalStats(name) else { throw AdminError.topicNotFound(name) }
            return .json(stats)
        case "partitioned-stats", "partitioned-internalStats":
            guard let count = state.partitionedTopics[name] else { throw AdminError.partitionedTopicNotFound(name) }
            let perPartition = call.request.query["perPartition"]?.lowercased() != "false"
            var total = AdminTopicStats()
            var partitions: [(String, JSONValue)] = []
            for index in 0..<count {
                let partition = name.partition(index)
                // Partitions not used yet report empty statistics without being created.
                if what == "partitioned-stats" {
                    let stats = state.adminTopicStats(partition) ?? AdminTopicStats()
                    total.merge(stats)
                    partitions.append((partition.description, stats.json))
                } else if let stats = state.adminInternalStats(partition) {
                    partitions.append((partition.description, stats))
                }
            }
            var fields = JSONObject()
            if what == "partitioned-stats", case .object(let totals) = total.json { fields = totals }
            fields["metadata"] = ["partitions": .number(count)]
            if perPartition || what == "partitioned-internalStats" {
                fields["partitions"] = .object(partitions)
            }
            return .json(.object(fields))
        case "subscriptions":
            if let count = state.partitionedTopics[name] {
                var names = Set<String>()
                for partition in state.usedPartitions(of: name) where partition.partitionIndex! < count {
                    names.formUnion((try? state.adminSubscriptionNames(partition)) ?? [])
                }
                return .json(.strings(names.sorted()))
            }
            return .json(.strings(try state.adminSubscriptionNames(name)))
        default:  // lastMessageId
            guard let topic = state.topics[name] else { throw AdminError.topicNotFound(name) }
            let last = topic.log.lastMessageId
            return .json(["ledgerId": .number(Int64(bitPattern: last.ledgerId)), "entryId": .number(last.entryId),
                          "partitionIndex": .number(Int64(topic.partitionIndexOnWire))])
        }
    }

    // MARK: Subscriptions

    private func subscription(_ call: Call, _ name: TopicName, _ action: ArraySlice<String>, state: inout BrokerState,
                              now: Int64, outputs: inout BrokerOutputs) throws(AdminError) -> HTTPResponse {
        let parts = Array(action)
        let subscription = parts[0]
        // Operations on a partitioned topic apply to each partition, as the broker does.
        let targets = state.partitionedTopics[name].map { count in (0..<count).map { name.partition($0) } } ?? [name]
        if parts.count == 1 {
            switch call.method {
            case "PUT":
                let position = try Self.position(call.body(), default: .latest)
                for target in targets { try state.adminCreateSubscription(target, subscription, at: position) }
            case "DELETE":
                if !call.force {
                    for target in targets where !(state.topics[target]?.subscriptions[subscription]?.consumers.isEmpty ?? true) {
                        throw AdminError(.preconditionFailed, "Subscription has active connected consumers")
                    }
                }
                if targets.count > 1, !targets.contains(where: { state.topics[$0]?.subscriptions[subscription] != nil }) {
                    throw AdminError.subscriptionNotFound(subscription, name)
                }
                for target in targets where targets.count == 1 || state.topics[target]?.subscriptions[subscription] != nil {
                    try state.adminDeleteSubscription(target, subscription, force: call.force, now: now, into: &outputs)
                }
            default:
                return .methodNotAllowed(allowed: ["PUT", "DELETE"])
            }
            return .noContent
        }
        guard call.method == "POST" else { return .methodNotAllowed(allowed: ["POST"]) }
        switch (parts[1], parts.count) {
        case ("skip_all", 2):
            for target in targets { try state.adminSkipAll(target, subscription) }
        case ("skip", 3):
            guard let count = Int(parts[2]), count >= 0 else { throw AdminError(.badRequest, "Invalid number of messages to skip") }
            for target in targets { try state.adminSkip(target, subscription, entries: count) }
        case ("resetcursor", 3):
            guard let time = Int64(parts[2]) else { throw AdminError(.badRequest, "Invalid timestamp '\(parts[2])'") }
            for target in targets {
                try state.adminResetCursor(target, subscription, to: .publishTime(time), now: now, into: &outputs)
            }
        case ("resetcursor", 2):
            guard let body = try call.body() else { throw AdminError(.badRequest, "The body must be a message id") }
            let position = try Self.position(body, default: .latest)
            var chosen = targets
            if targets.count > 1 {
                guard let index = body["partitionIndex"]?.intValue, index >= 0, Int(index) < targets.count else {
                    throw AdminError(.methodNotAllowed, "Reset-cursor at position is not allowed for partitioned-topic")
                }
                chosen = [targets[Int(index)]]
            }
            for target in chosen { try state.adminResetCursor(target, subscription, to: position, now: now, into: &outputs) }
        default:
            throw notServed(call)
        }
        return .noContent
    }

    /// A cursor position from a `MessageIdImpl` or `ResetCursorData` body: `{"ledgerId": L, "entryId": E}` plus an
    /// optional `isExcluded`/`excluded`; `(-1, -1)` is earliest, `(Long.MAX, Long.MAX)` latest.
    private static func position(_ body: JSONValue?, default fallback: AdminCursorPosition) throws(AdminError) -> AdminCursorPosition {
        guard let body else { return fallback }
        guard case .object = body, let ledger = body["ledgerId"]?.intValue, let entry = body["entryId"]?.intValue else {
            throw AdminError(.badRequest, "The body must be a message id: {\"ledgerId\": …, \"entryId\": …}")
        }
        if ledger < 0 { return .earliest }
        if ledger == Int64.max { return .latest }
        let excluded = body["isExcluded"]?.boolValue ?? body["excluded"]?.boolValue ?? false
        return .messageId(ledgerId: ledger, entryId: entry, excluded: excluded)
    }
}
