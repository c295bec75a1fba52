import PulsarSupport

/// Toxiproxy's JSON shapes for proxies and toxics, both ways.
enum ToxiproxyJSON {
    /// `{"name", "type", "stream", "toxicity", "attributes": {…}}`.
    static func json(_ toxic: Toxic) -> JSONValue {
        var attributes = JSONObject()
        for (name, value) in toxic.kind.attributes { attributes[name] = .integer(Int64(value)) }
        return [
            "name": .string(toxic.name), "type": .string(toxic.kind.typeName), "stream": .string(toxic.stream.rawValue),
            "toxicity": .double(toxic.toxicity), "attributes": .object(attributes),
        ]
    }

    /// `{"name", "listen", "upstream", "enabled", "toxics": […]}`.
    static func json(_ proxy: FaultProxy) -> JSONValue {
        [
            "name": .string(proxy.configuration.name), "listen": .string(proxy.listenAddress),
            "upstream": .string(proxy.upstream), "enabled": .bool(proxy.isEnabled),
            "toxics": .array(proxy.toxics.map(json)),
        ]
    }

    /// A toxic from a create or update body. Missing fields take Toxiproxy's defaults (stream `downstream`,
    /// toxicity 1, name `<type>_<stream>`), or those of `existing` when updating.
    static func toxic(from body: JSONValue, existing: Toxic? = nil) throws(ToxiproxyAPIError) -> Toxic {
        guard let object = body.objectValue else { throw .badRequestBody("the body must be a JSON object") }
        let streamName = object["stream"]?.stringValue ?? existing?.stream.rawValue ?? "downstream"
        guard let stream = ToxicStream(rawValue: streamName.isEmpty ? "downstream" : streamName) else {
            throw ToxiproxyAPIError(status: 400, "stream was invalid, can be either upstream or downstream")
        }
        let typeName = object["type"]?.stringValue ?? existing?.kind.typeName ?? ""
        var attributes: [String: Int] = [:]
        for (name, value) in existing?.kind.attributes ?? [] { attributes[name] = value }
        if let given = object["attributes"] {
            guard let fields = given.objectValue else { throw .badRequestBody("\"attributes\" must be an object") }
            for (name, value) in fields {
                guard let number = value.numberValue, number == number.rounded(), abs(number) < 1e15 else {
                    throw .badRequestBody("attribute \"\(name)\" must be an integer")
                }
                attributes[name] = Int(number)
            }
        }
        guard let kind = ToxicKind(typeName: typeName, attributes: attributes) else {
            throw ToxiproxyAPIError(status: 400, "invalid toxic type: \(typeName)")
        }
        let toxicity = object["toxicity"]?.numberValue ?? existing?.toxicity ?? 1
        let name = object["name"]?.stringValue ?? existing?.name ?? "\(typeName)_\(stream.rawValue)"
        return Toxic(kind, stream: stream, toxicity: toxicity, name: name.isEmpty ? "\(typeName)_\(stream.rawValue)" : name)
    }
}

/// An answer of the control API that is an error: `{"error": message, "status": code}`, as Toxiproxy sends it.
struct ToxiproxyAPIError: Error {
    let status: Int
    let message: String

    init(status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    static func badRequestBody(_ detail: String) -> ToxiproxyAPIError { ToxiproxyAPIError(status: 400, "bad request body: \(detail)") }
    static let proxyNotFound = ToxiproxyAPIError(status: 404, "proxy not found")
    static let toxicNotFound = ToxiproxyAPIError(status: 404, "toxic not found")

    /// From the proxy's own error.
    init(_ error: FaultProxyError) {
        switch error.code {
        case .alreadyExists: self.init(status: 409, error.message)
        case .notFound: self.init(status: 404, error.message)
        case .bindFailed: self.init(status: 500, error.message)
        default: self.init(status: 400, error.message)
        }
    }
}
