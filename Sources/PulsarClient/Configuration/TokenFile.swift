import PulsarNet

/// Reads the token file of ``Authentication/tokenFile(_:)``.
enum TokenFile {
    /// The largest token file read (1 MiB; a JWT is a few hundred bytes).
    static let maximumSize = 1 << 20

    /// The file's bytes, read on a thread of its own: a read can block (a slow disk, a network mount, a FIFO whose
    /// writer has not come yet) and must not hold a thread of the cooperative pool.
    ///
    /// - Throws: ``PulsarClientError/Code/authentication`` if the file cannot be opened or read, or is too large;
    ///   `CancellationError` if the task is cancelled while the read blocks.
    static func contents(atPath path: String) async throws -> [UInt8] {
        let result = try await BlockingWork.run("reading the token file '\(path)'") {
            SmallFile.read(path: path, maximumSize: maximumSize)
        }
        switch result {
        case .success(let bytes): return bytes
        case .failure(let failure): throw PulsarClientError(.authentication, "cannot read the token file '\(path)': \(failure.reason)")
        }
    }
}
