import PulsarNet
import PulsarSupport

/// Answers Toxiproxy's HTTP API on a ``FaultProxyServer`` (the paths are listed there).
struct ToxiproxyRouter: Sendable {
    let server: FaultProxyServer

    /// The answer to one request.
    func respond(to request: HTTPRequest) async -> HTTPResponse {
        do {
            return try await route(request)
        } catch {
            return .json(["error": .string(error.message), "status": .integer(Int64(error.status))],
                         status: Self.status(error.status))
        }
    }

    private func route(_ request: HTTPRequest) async throws(ToxiproxyAPIError) -> HTTPResponse {
        let path = request.pathSegments
        let method = request.method == "PATCH" ? "POST" : request.method
        switch (method, path.count, path.first) {
        case ("GET", 1, "version"):
            return .json(["version": .string(FaultProxyServer.toxiproxyVersion)])
        case ("POST", 1, "reset"):
            server.reset()
            return .noContent
        case ("GET", 1, "proxies"):
            var all = JSONObject()
            for (name, proxy) in server.allProxies.sorted(by: { $0.key < $1.key }) { all[name] = ToxiproxyJSON.json(proxy) }
            return .json(.object(all))
        case ("POST", 1, "proxies"):
            let proxy = try await create(try Self.body(request))
            return .json(ToxiproxyJSON.json(proxy), status: .created)
        case ("POST", 1, "populate"):
            return try await populate(try Self.body(request))
        case (_, 2, "proxies"):
            let proxy = try find(path[1])
            switch method {
            case "GET": return .json(ToxiproxyJSON.json(proxy))
            case "POST": return .json(ToxiproxyJSON.json(try update(proxy, with: try Self.body(request))))
            case "DELETE":
                do { try await server.removeProxy(named: path[1]) } catch { throw ToxiproxyAPIError(error) }
                return .noContent
            default: throw ToxiproxyAPIError(status: 405, "method not allowed")
            }
        case (_, 3, "proxies") where path[2] == "toxics":
            let proxy = try find(path[1])
            switch method {
            case "GET": return .json(.array(proxy.toxics.map(ToxiproxyJSON.json)))
            case "POST":
                let toxic = try ToxiproxyJSON.toxic(from: try Self.body(request))
                do { try proxy.addToxic(toxic) } catch { throw ToxiproxyAPIError(error) }
                return .json(ToxiproxyJSON.json(toxic))
            default: throw ToxiproxyAPIError(status: 405, "method not allowed")
            }
        case (_, 4, "proxies") where path[2] == "toxics":
            let proxy = try find(path[1])
            guard let existing = proxy.toxics.first(where: { $0.name == path[3] }) else { throw .toxicNotFound }
            switch method {
            case "GET": return .json(ToxiproxyJSON.json(existing))
            case "POST":
                var toxic = try ToxiproxyJSON.toxic(from: try Self.body(request), existing: existing)
                toxic.name = existing.name
                do { try proxy.updateToxic(toxic) } catch { throw ToxiproxyAPIError(error) }
                return .json(ToxiproxyJSON.json(toxic))
            case "DELETE":
                do { try proxy.removeToxic(named: existing.name) } catch { throw ToxiproxyAPIError(error) }
                return .noContent
            default: throw ToxiproxyAPIError(status: 405, "method not allowed")
            }
        default:
            throw ToxiproxyAPIError(status: 404, "404 page not found")
        }
    }

    private func find(_ name: String) throws(ToxiproxyAPIError) -> FaultProxy {
        guard let proxy = server.proxy(named: name) else { throw .proxyNotFound }
        return proxy
    }

    private func create(_ body: JSONValue) async throws(ToxiproxyAPIError) -> FaultProxy {
        guard let object = body.objectValue else { throw .badRequestBody("the body must be a JSON object") }
        guard let name = object["name"]?.stringValue, !name.isEmpty else {
            throw ToxiproxyAPIError(status: 400, "missing required field: name")
        }
        guard let upstream = object["upstream"]?.stringValue, !upstream.isEmpty else {
            throw ToxiproxyAPIError(status: 400, "missing required field: upstream")
        }
        var configuration = FaultProxy.Configuration(name: name, listen: object["listen"]?.stringValue ?? "127.0.0.1:0",
                                                     upstream: upstream)
        configuration.enabled = object["enabled"]?.boolValue ?? true
        do { return try await server.createProxy(configuration) } catch { throw ToxiproxyAPIError(error) }
    }

    private func update(_ proxy: FaultProxy, with body: JSONValue) throws(ToxiproxyAPIError) -> FaultProxy {
        guard let object = body.objectValue else { throw .badRequestBody("the body must be a JSON object") }
        do {
            if let upstream = object["upstream"]?.stringValue, upstream != proxy.upstream { try proxy.setUpstream(upstream) }
            if let enabled = object["enabled"]?.boolValue { try proxy.setEnabled(enabled) }
        } catch {
            throw ToxiproxyAPIError(error)
        }
        return proxy
    }

    /// Creates each proxy, replacing one of the same name whose listen or upstream address differs; keeps identical
    /// ones. Answers 201 with every proxy of the list.
    private func populate(_ body: JSONValue) async throws(ToxiproxyAPIError) -> HTTPResponse {
        guard let list = body.arrayValue else { throw .badRequestBody("the body must be a JSON array of proxies") }
        var result: [JSONValue] = []
        for item in list {
            guard let name = item.objectValue?["name"]?.stringValue else {
                throw ToxiproxyAPIError(status: 400, "missing required field: name")
            }
            if let existing = server.proxy(named: name) {
                let listen = item.objectValue?["listen"]?.stringValue
                let upstream = item.objectValue?["upstream"]?.stringValue
                if upstream == existing.upstream, listen == nil || listen == existing.listenAddress
                    || listen == existing.configuration.listen {
                    result.append(ToxiproxyJSON.json(existing))
                    continue
                }
                try? await server.removeProxy(named: name)
            }
            result.append(ToxiproxyJSON.json(try await create(item)))
        }
        return .json(["proxies": .array(result)], status: .created)
    }

    private static func body(_ request: HTTPRequest) throws(ToxiproxyAPIError) -> JSONValue {
        do { return try JSONValue(parsing: request.body) } catch { throw .badRequestBody(error.message) }
    }

    private static func status(_ code: Int) -> HTTPStatus {
        switch code {
        case 400: .badRequest
        case 404: .notFound
        case 405: .methodNotAllowed
        case 409: .conflict
        default: .internalServerError
        }
    }
}
