import PulsarNet
/// Namespace policies the emulator applies (`pulsar-admin namespaces set-deduplication` and friends):
/// ```
///  GET          /admin/v2/namespaces/{tenant}/{ns}/deduplication     true | false (the broker-wide default when unset)
///  POST         /admin/v2/namespaces/{tenant}/{ns}/deduplication     body true | false
///  DELETE       /admin/v2/namespaces/{tenant}/{ns}/deduplication     back to the broker-wide setting
/// ```
extension AdminRouter {
    /// Answers namespace-policy requests; nil for any other path.
    func namespacePolicies(_ request: HTTPRequest, method: String, _ path: [String],
                           state: inout BrokerState) throws(AdminError) -> HTTPResponse? {
        guard path.count == 6, path[0] == "admin", path[1] == "v2", path[2] == "namespaces", path[5] == "deduplication" else {
            return nil
        }
        let namespace = "\(path[3])/\(path[4])"
        guard state.adminNamespaceExists(namespace) else { throw AdminError.namespaceNotFound }
        switch method {
        case "GET":
            return .json(.bool(state.deduplicationEnabled(namespace: namespace)))
        case "POST", "PUT":
            let text = String(decoding: request.body, as: UTF8.self).filter { !$0.isWhitespace }
            guard let enabled = Bool(text) else { throw AdminError(.badRequest, "The body must be true or false") }
            state.deduplicationByNamespace[namespace] = enabled
            return .noContent
        case "DELETE":
            state.deduplicationByNamespace[namespace] = nil
            return .noContent
        default:
            return .methodNotAllowed(allowed: ["GET", "POST", "DELETE"])
        }
    }
}
