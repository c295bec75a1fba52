import PulsarNet
import PulsarWire

extension Connection {
    /// Starts the read loop on the I/O event loop (a read resumes right after the readiness event, no thread hop).
    func startReading() {
        Task(executorPreference: EventLoopExecutor.shared) { [self] in
            await readLoop()
        }
    }

    /// Reads until the stream ends: decodes frames and hands receipts and messages straight to their producer or
    /// consumer, everything else to the connection state machine. Malformed input closes the connection (a corrupt
    /// entry checksum only skips that entry).
    private func readLoop() async {
        var decoder = FrameDecoder()
        let stream = outbox.stream
        while true {
            let chunk: [UInt8]?
            do {
                chunk = try await stream.read(maxLength: 256 * 1024)
            } catch {
                close(PulsarClientError(.connectionClosed, "reading from \(address) failed: \(error)"))
                return
            }
            guard let chunk else {
                close(PulsarClientError(.connectionClosed, "\(address) closed the connection"))
                return
            }
            noteActivity()
            decoder.append(chunk)
            while true {
                let frame: Frame
                do {
                    guard let next = try decoder.next() else { break }
                    frame = next
                } catch let error as WireError where error.code == .checksumMismatch {
                    if let bad = error.frame { corruptFrame(bad) }
                    continue
                } catch {
                    close(PulsarClientError(.protocolError, "malformed frame from \(address): \(error)"))
                    return
                }
                dispatch(frame, decoder: &decoder)
            }
        }
    }

    private func dispatch(_ frame: Frame, decoder: inout FrameDecoder) {
        switch frame.command {
        case .message(let message):
            consumer(message.consumerId)?.messageReceived(message, entry: frame.entry, checksumValid: true)
        case .sendReceipt(let receipt):
            producer(receipt.producerId)?.receiptReceived(receipt)
        case .connected(let connected):
            if connected.hasMaxMessageSize, connected.maxMessageSize > 0 {
                decoder.maxFrameSize = Int(connected.maxMessageSize) + FrameDecoder.framePadding
            }
            commandReceived(frame.command)
        default:
            commandReceived(frame.command)
        }
    }

    /// A frame whose entry failed its CRC32C: a MESSAGE is reported to its consumer (which skips it); anything
    /// else cannot be trusted and closes the connection.
    private func corruptFrame(_ frame: Frame) {
        if case .message(let message) = frame.command {
            consumer(message.consumerId)?.messageReceived(message, entry: frame.entry, checksumValid: false)
        } else {
            close(PulsarClientError(.protocolError, "\(frame.command.type) from \(address) failed its checksum"))
        }
    }
}
