import PulsarNet

extension HTTPServer {
    /// The emulator's admin port: each request is answered by `router` under the broker lock, with the limits of
    /// the emulator's configuration.
    static func admin(listener: TCPListener, core: BrokerCore, router: AdminRouter) -> HTTPServer {
        var options = HTTPServer.Options()
        options.requestTimeout = core.configuration.limits.adminRequestTimeout
        options.maxConnections = core.configuration.limits.maxAdminConnections
        options.label = "admin HTTP"
        return HTTPServer(listener: listener, options: options, logger: core.logger) { request in
            core.withState { state, now, outputs in router.respond(to: request, state: &state, now: now, outputs: &outputs) }
        }
    }
}

extension HTTPResponse {
    /// Prometheus metrics (text exposition format), rendered when serialized (after the broker lock is released).
    static func metrics(_ snapshot: PrometheusMetrics.Snapshot) -> HTTPResponse {
        HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", PrometheusMetrics.contentType)]),
                     content: .rendered { Array(PrometheusMetrics.render(snapshot).utf8) })
    }
}
