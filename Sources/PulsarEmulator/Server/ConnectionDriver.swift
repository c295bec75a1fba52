import PulsarNet
import PulsarWire

/// The one place that does I/O for a client connection: read bytes, decode frames, hand them to the broker,
/// apply backpressure, and tell the broker when the connection is gone.
struct ConnectionDriver {
    let stream: any ByteStream
    let core: BrokerCore

    /// Serves the connection until the peer or the broker closes it.
    func run() async {
        guard let (id, connection) = core.open(stream) else {
            stream.close()
            return
        }
        core.logger.debug("\(id) opened from \(stream.remoteDescription)")
        await withDiscardingTaskGroup { group in
            // Backpressure on dispatch: when the broker pauses it, wait until the peer has read, then resume.
            group.addTask { [core, stream] in
                for await _ in connection.drainNotices.stream {
                    do { try await stream.waitUntilWritable() } catch { return }
                    core.resumeDispatch(to: id)
                }
            }
            await serve(id)
            connection.drainNotices.finish()
        }
        core.logger.debug("\(id) closed")
    }

    /// Reads and hands frames to the broker until the peer or the broker closes the connection.
    private func serve(_ id: ConnectionID) async {
        var decoder = FrameDecoder(maxMessageSize: core.configuration.maxMessageSize)
        var open = true
        while open {
            let chunk: [UInt8]?
            do {
                chunk = try await stream.read(maxLength: 256 * 1024)
            } catch {
                core.logger.debug("\(id) read failed: \(error)")
                break
            }
            guard let chunk else { break }
            decoder.append(chunk)
            var events: [BrokerCore.Event] = []
            var malformed = false
            while true {
                do {
                    guard let frame = try decoder.next() else { break }
                    events.append(.frame(frame))
                } catch let error as WireError where error.code == .checksumMismatch && error.frame != nil {
                    events.append(.checksumMismatch(error.frame!))
                } catch let error as WireError {
                    core.logger.warning("\(id) sent a malformed frame: \(error.message); closing the connection")
                    events.append(.malformed(error))
                    malformed = true
                    break
                } catch {
                    break
                }
            }
            if !events.isEmpty { open = core.handle(events, from: id) }
            if malformed { open = false }
            // Backpressure: a client that does not read its answers is not read either.
            if open, stream.bufferedOutboundBytes > 0 {
                do { try await stream.waitUntilWritable() } catch { break }
            }
        }
        core.closed(id)
        stream.closeAfterFlush()
    }
}
