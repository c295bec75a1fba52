import PulsarNet
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the token file of ``Authentication/tokenFile(_:)``.
enum TokenFile {
    /// The file's bytes, read on a thread of its own: a read can block (a slow disk, a network mount, a FIFO whose
    /// writer has not come yet) and must not hold a thread of the cooperative pool.
    ///
    /// - Throws: ``PulsarClientError/Code/authentication`` if the file cannot be opened or read;
    ///   `CancellationError` if the task is cancelled while the read blocks.
    static func contents(atPath path: String) async throws -> [UInt8] {
        let result = try await BlockingWork.run("reading the token file '\(path)'") { contentsBlocking(path: path) }
        guard let bytes = result.bytes else {
            throw PulsarClientError(.authentication, "cannot read the token file '\(path)' (errno \(result.errno))")
        }
        return bytes
    }

    /// Opens and reads the whole file, blocking; nil bytes with the `errno` of the failing call.
    private static func contentsBlocking(path: String) -> (bytes: [UInt8]?, errno: Int32) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return (nil, errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes += chunk[..<count]
            } else if count == 0 {
                return (bytes, 0)
            } else if errno != EINTR {
                return (nil, errno)
            }
        }
    }
}
