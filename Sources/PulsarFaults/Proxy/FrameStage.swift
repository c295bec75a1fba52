import PulsarWire

/// The Pulsar-aware part of one direction through the proxy, as a plain value: it cuts the byte stream into frames
/// and rewrites the broker's LOOKUP_RESPONSE so that the client's next connection comes back through the proxy.
///
/// ```
///  client ──▶ proxy ──▶ broker          LOOKUP_RESPONSE { brokerServiceUrl: pulsar://broker:6650 }
///  client ◀── proxy ◀── broker    ──▶   LOOKUP_RESPONSE { brokerServiceUrl: pulsar://<proxy>:<port> }
/// ```
/// Without the rewrite an official client connects to the broker it was told about, around the proxy, and every
/// toxic after the lookup misses. Input that is not Pulsar's framing (the first frame's size makes no sense) is
/// passed through untouched from then on: the proxy still works as a plain TCP proxy.
struct FrameStage {
    /// The largest frame the stage cuts out (larger means it is not Pulsar framing after all).
    static let maxFrameSize = 64 * 1024 * 1024

    /// The URL lookups are rewritten to; nil leaves them alone (and the upstream direction has nothing to rewrite).
    let advertisedServiceURL: String?
    private var decoder = FrameDecoder(maxMessageSize: FrameStage.maxFrameSize, verifiesChecksums: false)
    private(set) var isPassingThrough = false
    /// LOOKUP_RESPONSEs rewritten so far.
    private(set) var rewrittenLookups = 0

    /// A stage that rewrites lookups to `advertisedServiceURL` (nil: no rewriting).
    init(advertisedServiceURL: String?) {
        self.advertisedServiceURL = advertisedServiceURL
    }

    /// Bytes read from the source; returns what to send on, in order (whole frames, or raw bytes once passing
    /// through). Bytes of an incomplete frame wait for the rest.
    mutating func ingest(_ bytes: [UInt8]) -> [UInt8] {
        if isPassingThrough { return bytes }
        decoder.append(bytes)
        var output: [UInt8] = []
        while true {
            do {
                guard let raw = try decoder.nextRawFrame() else { break }
                append(raw, to: &output)
            } catch {
                isPassingThrough = true
                output += decoder.takeBufferedBytes()
                break
            }
        }
        return output
    }

    private mutating func append(_ raw: ArraySlice<UInt8>, to output: inout [UInt8]) {
        guard let url = advertisedServiceURL, Self.commandType(of: raw) == .lookupResponse,
              let frame = try? Frame(decoding: raw, verifyChecksum: false),
              case .lookupResponse(var response) = frame.command, response.hasBrokerServiceUrl else {
            output.append(contentsOf: raw)
            return
        }
        response.brokerServiceUrl = url
        rewrittenLookups += 1
        FrameEncoder.encode(.lookupResponse(response), into: &output)
    }

    /// The command type of a raw frame without decoding it: BaseCommand's first field is its type (field 1, a
    /// varint), and protobuf writes fields in order.
    static func commandType(of raw: ArraySlice<UInt8>) -> CommandType? {
        let start = raw.startIndex + 8
        guard raw.count > 9, raw[start] == 0x08 else { return nil }
        var value: UInt32 = 0
        var shift: UInt32 = 0
        var index = start + 1
        while index < raw.endIndex, shift < 32 {
            let byte = raw[index]
            value |= UInt32(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return CommandType(rawValue: Int32(bitPattern: value)) }
            shift += 7
            index += 1
        }
        return nil
    }
}
