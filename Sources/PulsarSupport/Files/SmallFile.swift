#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Musl)
import Musl
private let systemRead = Musl.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// Reads a small file (a key, a token) whole, with POSIX calls. It blocks: async callers run it off the cooperative
/// pool (the client through `BlockingWork`).
package enum SmallFile {
    /// Why a read failed, in words for an error message ("No such file or directory", "larger than 1048576 bytes").
    package struct Failure: Error, Sendable {
        /// The reason, without the path (callers name the file in their own error).
        package let reason: String
    }

    /// The whole file at `path`, at most `maximumSize` bytes.
    package static func read(path: String, maximumSize: Int) -> Result<[UInt8], Failure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Failure(reason: systemReason())) }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                contents += chunk[..<count]
                guard contents.count <= maximumSize else {
                    return .failure(Failure(reason: "larger than \(maximumSize) bytes"))
                }
            } else if count == 0 {
                return .success(contents)
            } else if errno != EINTR {
                return .failure(Failure(reason: systemReason()))
            }
        }
    }

    /// `strerror` of the current `errno`.
    private static func systemReason() -> String {
        strerror(errno).map { String(cString: $0) } ?? "error \(errno)"
    }
}
