#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The module's only file-system access: reading and writing key files.
public enum KeyFileIO {
    /// The largest key file read (1 MiB).
    public static let maximumFileSize = 1 << 20

    /// Whether a regular file (or a link to one) exists at `path`.
    public static func fileExists(path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Reads a whole file (at most `maximumFileSize` bytes).
    public static func read(path: String) throws(AuthError) -> [UInt8] {
        switch SmallFile.read(path: path, maximumSize: maximumFileSize) {
        case .success(let contents): return contents
        case .failure(let failure): throw AuthError(.keyFileUnreadable, "cannot read key file \(path): \(failure.reason)")
        }
    }

    /// Writes (creating or truncating) a file; new files get mode 0600 when
    /// `privateFile` is set (for private and secret keys), 0644 otherwise.
    public static func write(_ bytes: [UInt8], toPath path: String, privateFile: Bool) throws(AuthError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, privateFile ? 0o600 : 0o644)
        guard descriptor >= 0 else {
            throw AuthError(.keyFileUnreadable, "cannot create key file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                #if canImport(Darwin)
                Darwin.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                #elseif canImport(Musl)
                Musl.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                #else
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw AuthError(.keyFileUnreadable, "error writing key file \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}
