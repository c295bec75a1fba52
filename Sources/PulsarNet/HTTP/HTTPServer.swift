import PulsarSupport
import Synchronization

/// The one place that does I/O for a small HTTP/1.1 API (the emulator's admin port, the fault proxy's control
/// port): accept connections, read bytes into an ``HTTPRequestParser``, answer each request through `handler`, write
/// the answers in order (keep-alive and pipelining included), and close on `Connection: close` or bad input.
///
/// ```
///  TCPListener ─accept─▶ serve(stream) ─bytes─▶ HTTPRequestParser ─request─▶ handler(request)
///                            ▲                                                   │
///                            └──── enqueue(response bytes) ◀── HTTPResponse ◀────┘
/// ```
/// A malformed or oversized request gets its 400 / 413 / 431 / 501 / 505 answer with `Connection: close`; the server
/// and every other connection carry on.
package final class HTTPServer: Sendable {
    /// Limits and the label the server logs under.
    package struct Options: Sendable {
        /// Size limits of one request.
        package var limits = HTTPRequestParser.Limits()
        /// How long a whole request may take to arrive (see ``RequestDeadline``).
        package var requestTimeout: Duration = .seconds(30)
        /// Connections served at once; 0 is unlimited.
        package var maxConnections = 0
        /// Names the server in log lines (`admin HTTP`).
        package var label = "HTTP"

        /// The defaults.
        package init() {}
    }

    private struct Connections {
        var next = 0
        var open: [Int: any ByteStream] = [:]
        var isShutDown = false
    }

    /// The bound address (the real port when asked for port 0).
    package let localAddress: SocketAddress
    private let listener: TCPListener
    private let options: Options
    private let logger: PulsarLogger
    private let handler: @Sendable (HTTPRequest) async -> HTTPResponse
    private let connections = Mutex(Connections())

    /// Serves `handler` on an already bound listener. `handler` runs on the connection's task (requests of one
    /// connection are answered in order) and must not block a thread.
    package init(listener: TCPListener, options: Options = Options(), logger: PulsarLogger,
                 handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) {
        self.listener = listener
        self.localAddress = listener.localAddress
        self.options = options
        self.logger = logger
        self.handler = handler
    }

    /// Accepts and serves connections until ``shutdown()``; returns once every connection has ended.
    package func run() async {
        await withDiscardingTaskGroup { group in
            while let connection = try? await listener.accept(onResourceExhausted: { [logger, options] error in
                logger.warning("\(options.label) cannot accept connections (\(error)); retrying until resources free up")
            }) {
                group.addTask { await self.serve(connection) }
            }
        }
    }

    /// Stops accepting and closes every open connection. Idempotent.
    package func shutdown() {
        let streams = connections.withLock { connections in
            connections.isShutDown = true
            return Array(connections.open.values)
        }
        listener.close()
        for stream in streams { stream.close() }
    }

    /// Serves one connection until the peer closes it, asks for `Connection: close`, sends something malformed, or
    /// takes longer than ``Options/requestTimeout`` to send a whole request (or to send the next one): a slow or
    /// silent client cannot hold a connection, and so a descriptor, for ever.
    package func serve(_ stream: any ByteStream) async {
        guard let id = register(stream) else {
            logger.warning("\(options.label): refusing a connection from \(stream.remoteDescription): "
                           + "\(options.maxConnections) connections open, the limit")
            stream.close()
            return
        }
        defer { connections.withLock { _ = $0.open.removeValue(forKey: id) } }
        let deadline = RequestDeadline(timeout: options.requestTimeout)
        await withDiscardingTaskGroup { group in
            group.addTask { await deadline.enforce(on: stream) }
            await serveRequests(stream, deadline: deadline)
            group.cancelAll()
        }
    }

    private func serveRequests(_ stream: any ByteStream, deadline: RequestDeadline) async {
        var parser = HTTPRequestParser(limits: options.limits)
        while true {
            let chunk: [UInt8]?
            do {
                chunk = try await stream.read(maxLength: 64 * 1024)
            } catch {
                break
            }
            guard let chunk else { break }
            parser.append(chunk)
            let (bytes, keepOpen) = await answer(&parser)
            deadline.bytesArrived(answered: !bytes.isEmpty, pending: parser.bufferedBytes > 0)
            if !bytes.isEmpty { stream.enqueue(bytes) }
            guard keepOpen else {
                stream.closeAfterFlush()
                return
            }
            // Backpressure: a client that does not read its answers is not read either.
            if stream.bufferedOutboundBytes > 0 {
                do { try await stream.waitUntilWritable() } catch { break }
            }
        }
        // The peer may have sent its last request and closed its side at once: its answer still goes out.
        stream.closeAfterFlush()
    }

    /// Answers every complete request in the parser, in order. Returns the bytes to send and whether the connection
    /// stays open.
    private func answer(_ parser: inout HTTPRequestParser) async -> ([UInt8], Bool) {
        var bytes: [UInt8] = []
        while true {
            let request: HTTPRequest?
            do {
                request = try parser.next()
            } catch {
                logger.debug("\(options.label): refusing a request: \(error)")
                bytes += HTTPResponse.error(error.status, error.reason).serialized(keepAlive: false)
                return (bytes, false)
            }
            guard let request else {
                if parser.takeContinueRequest() { bytes += Array("HTTP/1.1 100 Continue\r\n\r\n".utf8) }
                return (bytes, true)
            }
            let response = await handler(request)
            logger.debug("\(options.label): \(request.method) \(request.target) → \(response.status.code)")
            bytes += response.serialized(keepAlive: request.keepAlive, includeBody: request.method != "HEAD")
            if !request.keepAlive { return (bytes, false) }
        }
    }

    private func register(_ stream: any ByteStream) -> Int? {
        let limit = options.maxConnections
        return connections.withLock { connections in
            guard !connections.isShutDown else { return nil }
            if limit > 0, connections.open.count >= limit { return nil }
            connections.next += 1
            connections.open[connections.next] = stream
            return connections.next
        }
    }
}

/// An HTTP server's request timeout for one connection: a whole request must arrive within the timeout of the
/// connection opening or of the previous answer. When it does not, a request in progress gets `408 Request Timeout`
/// and the connection closes; an idle one just closes.
package final class RequestDeadline: Sendable {
    private struct State {
        var deadline: ContinuousClock.Instant
        var partialRequest = false
    }

    private let timeout: Duration
    private let state: Mutex<State>

    /// A deadline `timeout` from now.
    package init(timeout: Duration) {
        self.timeout = timeout
        state = Mutex(State(deadline: .now + timeout))
    }

    /// Bytes arrived: an answer went out (the next request gets a full timeout again), and bytes of a request not
    /// yet complete are `pending`.
    package func bytesArrived(answered: Bool, pending: Bool) {
        state.withLock {
            if answered { $0.deadline = .now + timeout }
            $0.partialRequest = pending
        }
    }

    /// Sleeps until the deadline, and closes the stream if no answer moved it meanwhile. Ends when cancelled.
    package func enforce(on stream: any ByteStream) async {
        while true {
            let (deadline, partial) = state.withLock { ($0.deadline, $0.partialRequest) }
            if ContinuousClock.now >= deadline {
                if partial {
                    stream.enqueue(HTTPResponse.error(.requestTimeout, "The request did not arrive within \(timeout)")
                                       .serialized(keepAlive: false))
                }
                stream.closeAfterFlush()
                return
            }
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
            } catch {
                return
            }
        }
    }
}
