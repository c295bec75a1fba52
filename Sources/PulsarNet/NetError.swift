#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error raised by a PulsarNet transport: a failed system call, a refused or reset connection, a closed stream.
public struct NetError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure, independent of the platform's `errno` values.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case connectionRefused, connectionReset, connectionClosed, timedOut
            case addressInUse, invalidAddress, resourceExhausted, syscallFailed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The peer actively refused the connection (nothing listens on that port).
        public static let connectionRefused = Code(.connectionRefused)
        /// The peer reset the connection, or writing hit a broken pipe.
        public static let connectionReset = Code(.connectionReset)
        /// The stream or listener was closed locally; the operation cannot proceed.
        public static let connectionClosed = Code(.connectionClosed)
        /// An operation (such as connect) did not complete before its deadline.
        public static let timedOut = Code(.timedOut)
        /// The local address is already in use (bind).
        public static let addressInUse = Code(.addressInUse)
        /// A host string could not be parsed or resolved, or a port was out of range.
        public static let invalidAddress = Code(.invalidAddress)
        /// The process or the system ran out of descriptors or kernel memory (EMFILE, ENFILE, ENOBUFS, ENOMEM);
        /// retrying later may succeed.
        public static let resourceExhausted = Code(.resourceExhausted)
        /// Any other failed system call; see `errno` and `syscall`.
        public static let syscallFailed = Code(.syscallFailed)

        /// A short name of the code, e.g. "connectionRefused".
        public var description: String {
            switch base {
            case .connectionRefused: "connectionRefused"
            case .connectionReset: "connectionReset"
            case .connectionClosed: "connectionClosed"
            case .timedOut: "timedOut"
            case .addressInUse: "addressInUse"
            case .invalidAddress: "invalidAddress"
            case .resourceExhausted: "resourceExhausted"
            case .syscallFailed: "syscallFailed"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The `errno` value of the failed system call, if one failed.
    public var errno: Int32?
    /// The name of the failed system call, if one failed (e.g. "connect").
    public var syscall: String?
    /// A human-readable explanation.
    public var message: String

    /// Creates an error from its parts.
    public init(code: Code, errno: Int32? = nil, syscall: String? = nil, message: String) {
        self.code = code
        self.errno = errno
        self.syscall = syscall
        self.message = message
    }

    /// "connectionRefused: connect failed: Connection refused (errno 111)".
    public var description: String {
        var text = "\(code): \(message)"
        if let errno { text += " (errno \(errno))" }
        return text
    }

    /// An error for a failed system call, with its code derived from `errno`.
    static func syscall(_ name: String, errno err: Int32) -> NetError {
        let code: Code
        switch err {
        case ECONNREFUSED: code = .connectionRefused
        case ECONNRESET, EPIPE, ECONNABORTED: code = .connectionReset
        case ETIMEDOUT: code = .timedOut
        case EADDRINUSE: code = .addressInUse
        case EADDRNOTAVAIL, EAFNOSUPPORT: code = .invalidAddress
        case EMFILE, ENFILE, ENOBUFS, ENOMEM: code = .resourceExhausted
        default: code = .syscallFailed
        }
        let reason = strerror(err).map { String(cString: $0) } ?? "unknown error"
        return NetError(code: code, errno: err, syscall: name, message: "\(name) failed: \(reason)")
    }

    /// Whether the failure is a temporary shortage of descriptors or kernel memory (worth retrying after a pause).
    public var isResourceExhaustion: Bool { code == .resourceExhausted }

    /// The error thrown by operations on a locally closed stream or listener.
    static let closed = NetError(code: .connectionClosed, message: "the stream is closed")
}
