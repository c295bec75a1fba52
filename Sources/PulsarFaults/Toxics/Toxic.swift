/// Which way through the proxy a toxic acts: Toxiproxy's `stream`.
public enum ToxicStream: String, Sendable, CaseIterable, Codable {
    /// Client → broker.
    case upstream
    /// Broker → client.
    case downstream
}

/// What a toxic does, with Toxiproxy's names and attributes (times in milliseconds unless named otherwise).
public enum ToxicKind: Sendable, Equatable {
    /// `latency`: every chunk waits `latency` ms, ± up to `jitter` ms.
    case latency(milliseconds: Int, jitter: Int)
    /// `bandwidth`: at most `rate` KB (1,000 bytes) per second; 0 is unlimited.
    case bandwidth(kilobytesPerSecond: Int)
    /// `slow_close`: the close of the stream is passed on `delay` ms late.
    case slowClose(delay: Int)
    /// `timeout`: nothing gets through (a black hole); the connection closes after `timeout` ms, never with 0.
    case timeout(milliseconds: Int)
    /// `reset_peer`: the connection is reset (TCP RST) `timeout` ms after the toxic starts; data flows until then.
    case resetPeer(timeout: Int)
    /// `slicer`: writes are cut into pieces of `averageSize` ± `sizeVariation` bytes, `delay` µs apart, so a reader
    /// gets frames in many parts.
    case slicer(averageSize: Int, sizeVariation: Int, delayMicroseconds: Int)
    /// `limit_data`: the connection closes once `bytes` bytes have gone through.
    case limitData(bytes: Int)

    /// Toxiproxy's type name (`latency`, `slow_close` …).
    public var typeName: String {
        switch self {
        case .latency: "latency"
        case .bandwidth: "bandwidth"
        case .slowClose: "slow_close"
        case .timeout: "timeout"
        case .resetPeer: "reset_peer"
        case .slicer: "slicer"
        case .limitData: "limit_data"
        }
    }

    /// Every type name the proxy knows.
    public static let typeNames = ["latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data"]

    /// Toxiproxy's attributes, by name.
    public var attributes: [(String, Int)] {
        switch self {
        case .latency(let latency, let jitter): [("latency", latency), ("jitter", jitter)]
        case .bandwidth(let rate): [("rate", rate)]
        case .slowClose(let delay): [("delay", delay)]
        case .timeout(let timeout): [("timeout", timeout)]
        case .resetPeer(let timeout): [("timeout", timeout)]
        case .slicer(let average, let variation, let delay):
            [("average_size", average), ("size_variation", variation), ("delay", delay)]
        case .limitData(let bytes): [("bytes", bytes)]
        }
    }

    /// A toxic of type `typeName` with the attributes given (missing ones take Toxiproxy's defaults: 0); nil for an
    /// unknown type.
    public init?(typeName: String, attributes: [String: Int]) {
        func value(_ name: String) -> Int { attributes[name] ?? 0 }
        switch typeName {
        case "latency": self = .latency(milliseconds: value("latency"), jitter: value("jitter"))
        case "bandwidth": self = .bandwidth(kilobytesPerSecond: value("rate"))
        case "slow_close": self = .slowClose(delay: value("delay"))
        case "timeout": self = .timeout(milliseconds: value("timeout"))
        case "reset_peer": self = .resetPeer(timeout: value("timeout"))
        case "slicer":
            self = .slicer(averageSize: value("average_size"), sizeVariation: value("size_variation"),
                           delayMicroseconds: value("delay"))
        case "limit_data": self = .limitData(bytes: value("bytes"))
        default: return nil
        }
    }

    /// Why the attributes cannot work (a negative time, a slice size of 0), or nil.
    public var problem: String? {
        if attributes.contains(where: { $0.1 < 0 }) { return "\(typeName) attributes cannot be negative" }
        if case .slicer(let average, let variation, _) = self, average < 1 || variation >= average {
            return "slicer needs average_size ≥ 1 and size_variation < average_size"
        }
        return nil
    }
}

/// One toxic on a proxy: a name (unique per proxy), what it does, which way, and the probability that it applies
/// to a connection (decided once per connection when the toxic starts, as Toxiproxy does).
public struct Toxic: Sendable, Equatable {
    /// Unique per proxy; Toxiproxy's default is `<type>_<stream>`.
    public var name: String
    /// What it does.
    public var kind: ToxicKind
    /// Which way.
    public var stream: ToxicStream
    /// 0 … 1: the probability that the toxic applies to a given connection.
    public var toxicity: Double

    /// A toxic; `name` defaults to `<type>_<stream>`.
    public init(_ kind: ToxicKind, stream: ToxicStream = .downstream, toxicity: Double = 1, name: String? = nil) {
        self.kind = kind
        self.stream = stream
        self.toxicity = toxicity
        self.name = name ?? "\(kind.typeName)_\(stream.rawValue)"
    }

    /// Why the toxic cannot work (a toxicity outside 0 … 1, no name, bad attributes), or nil.
    public var problem: String? {
        guard (0...1).contains(toxicity) else { return "toxicity must be between 0 and 1, not \(toxicity)" }
        guard !name.isEmpty else { return "a toxic needs a name" }
        return kind.problem
    }
}
