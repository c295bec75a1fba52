import PulsarWire

/// The broker's view of one client connection.
struct ConnectionState {
    /// Where a connection is in its life.
    enum Phase: Equatable {
        /// Waiting for CONNECT.
        case awaitingConnect
        /// CONNECTED sent; commands are served.
        case connected
        /// Being closed: no more commands are served.
        case closing
    }

    /// The connection.
    let id: ConnectionID
    /// The peer's address, for statistics.
    let remoteAddress: String
    /// Handshake progress.
    var phase: Phase = .awaitingConnect
    /// Negotiated protocol version (the broker never sends commands newer than this).
    var protocolVersion: Int32 = 0
    /// The client's self-description from CONNECT.
    var clientVersion = ""
    /// The authenticated role, when authentication is on.
    var role: String?
    /// Feature flags the client announced.
    var featureFlags = FeatureFlags()
    /// When the connection was accepted, milliseconds since the epoch.
    let connectedSince: Int64
    /// When the next keep-alive check is due.
    var nextKeepAliveCheck: Int64
    /// A PING was sent and nothing has been received since.
    var awaitingPong = false
    /// Dispatch to this connection's consumers waits until the peer has read what is queued for it (backpressure).
    var dispatchPaused = false
    /// Producers created on this connection, by client-chosen id.
    var producers: Set<UInt64> = []
    /// Consumers created on this connection, by client-chosen id.
    var consumers: Set<UInt64> = []
}
