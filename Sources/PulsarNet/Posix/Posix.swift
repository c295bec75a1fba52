#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of a non-blocking system call: it completed, or it would have had to block (EAGAIN / EWOULDBLOCK).
enum IOResult<Value> {
    /// The call completed with this value.
    case done(Value)
    /// The call would block; wait for readiness and try again.
    case wouldBlock
}

/// Thin wrappers over the socket system calls: retry on EINTR, map EAGAIN to `.wouldBlock`, throw `NetError` otherwise.
/// Every socket they create is non-blocking and close-on-exec; SIGPIPE is suppressed.
enum Posix {
    #if canImport(Glibc)
    private static let streamType = Int32(SOCK_STREAM.rawValue)
    private static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
    private static let streamType = SOCK_STREAM
    private static let sendFlags: Int32 = 0
    #endif

    /// Creates a non-blocking, close-on-exec TCP socket of the given family.
    static func socket(family: Int32) throws -> Int32 {
        #if canImport(Glibc)
        let fd = Glibc.socket(family, streamType | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NetError.syscall("socket", errno: errno) }
        return fd
        #else
        let fd = Darwin.socket(family, streamType, 0)
        guard fd >= 0 else { throw NetError.syscall("socket", errno: errno) }
        do {
            try configureAccepted(fd)
        } catch {
            close(fd)
            throw error
        }
        return fd
        #endif
    }

    /// Makes an accepted (Darwin) or created (Darwin) descriptor non-blocking, close-on-exec and SIGPIPE-free.
    /// On Linux these flags are set atomically by `socket` / `accept4`, so this does nothing there.
    static func configureAccepted(_ fd: Int32) throws {
        #if canImport(Darwin)
        let flags = fcntl(fd, F_GETFL, 0)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) >= 0 else {
            throw NetError.syscall("fcntl", errno: errno)
        }
        guard fcntl(fd, F_SETFD, FD_CLOEXEC) >= 0 else { throw NetError.syscall("fcntl", errno: errno) }
        try setOption(fd, level: SOL_SOCKET, name: SO_NOSIGPIPE, value: 1)
        #endif
    }

    /// Sets an integer socket option.
    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws {
        var value = value
        let rc = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        guard rc == 0 else { throw NetError.syscall("setsockopt", errno: errno) }
    }

    /// Makes the next close send a TCP RST instead of a FIN (SO_LINGER on, with a zero timeout).
    static func setLingerZero(_ fd: Int32) {
        var value = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &value, socklen_t(MemoryLayout<linger>.size))
    }

    /// Turns Nagle's algorithm off (TCP_NODELAY).
    static func setNoDelay(_ fd: Int32) throws {
        #if canImport(Glibc)
        try setOption(fd, level: Int32(IPPROTO_TCP), name: Int32(TCP_NODELAY), value: 1)
        #else
        try setOption(fd, level: IPPROTO_TCP, name: TCP_NODELAY, value: 1)
        #endif
    }

    /// Binds `fd` to `address`.
    static func bind(_ fd: Int32, to address: SocketAddress) throws {
        let rc = address.withSockAddr { pointer, length in
            #if canImport(Glibc)
            Glibc.bind(fd, pointer, length)
            #else
            Darwin.bind(fd, pointer, length)
            #endif
        }
        guard rc == 0 else { throw NetError.syscall("bind", errno: errno) }
    }

    /// Marks `fd` as a listening socket.
    static func listen(_ fd: Int32, backlog: Int32) throws {
        #if canImport(Glibc)
        let rc = Glibc.listen(fd, backlog)
        #else
        let rc = Darwin.listen(fd, backlog)
        #endif
        guard rc == 0 else { throw NetError.syscall("listen", errno: errno) }
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec socket.
    /// Transient per-connection failures (ECONNABORTED, EPROTO) are skipped by trying again.
    static func accept(_ fd: Int32) throws -> IOResult<Int32> {
        while true {
            #if canImport(Glibc)
            let client = Epoll.accept4(fd)
            #else
            let client = Darwin.accept(fd, nil, nil)
            #endif
            if client >= 0 {
                do {
                    try configureAccepted(client)
                } catch {
                    close(client)
                    throw error
                }
                return .done(client)
            }
            let err = errno
            switch err {
            case EINTR, ECONNABORTED, EPROTO: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw NetError.syscall("accept", errno: err)
            }
        }
    }

    /// Starts connecting `fd`; returns true if the connection is already established, false if it is in progress.
    static func connect(_ fd: Int32, to address: SocketAddress) throws -> Bool {
        while true {
            let rc = address.withSockAddr { pointer, length in
                #if canImport(Glibc)
                Glibc.connect(fd, pointer, length)
                #else
                Darwin.connect(fd, pointer, length)
                #endif
            }
            if rc == 0 { return true }
            let err = errno
            switch err {
            case EINTR: continue
            case EINPROGRESS, EALREADY: return false
            default: throw NetError.syscall("connect", errno: err)
            }
        }
    }

    /// Reads into `buffer`; `.done(0)` means end of stream.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<Int> {
        while true {
            #if canImport(Glibc)
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            #else
            let n = Darwin.read(fd, buffer.baseAddress, buffer.count)
            #endif
            if n >= 0 { return .done(n) }
            let err = errno
            switch err {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw NetError.syscall("read", errno: err)
            }
        }
    }

    /// Sends from `buffer` without raising SIGPIPE; returns how many bytes the kernel took.
    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        while true {
            #if canImport(Glibc)
            let n = Glibc.send(fd, buffer.baseAddress, buffer.count, sendFlags)
            #else
            let n = Darwin.send(fd, buffer.baseAddress, buffer.count, sendFlags)
            #endif
            if n >= 0 { return .done(n) }
            let err = errno
            switch err {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw NetError.syscall("send", errno: err)
            }
        }
    }

    /// Closes `fd`, ignoring errors (the descriptor is released either way on Linux and Darwin).
    static func close(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }

    /// Shuts down the write direction (sends FIN after queued data); errors are ignored.
    static func shutdownWrite(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        #else
        _ = Darwin.shutdown(fd, SHUT_WR)
        #endif
    }

    /// The pending socket error (SO_ERROR), 0 if none.
    static func socketError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return errno }
        return value
    }

    /// The local address of `fd` (getsockname).
    static func localAddress(_ fd: Int32) throws -> SocketAddress {
        try address(of: fd, name: "getsockname") { getsockname(fd, $0, $1) }
    }

    /// The peer address of `fd` (getpeername).
    static func peerAddress(_ fd: Int32) throws -> SocketAddress {
        try address(of: fd, name: "getpeername") { getpeername(fd, $0, $1) }
    }

    private static func address(
        of fd: Int32, name: String,
        _ call: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) throws -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call($0, &length) }
        }
        guard rc == 0 else { throw NetError.syscall(name, errno: errno) }
        let address = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress(sockaddr: $0) }
        }
        guard let address else {
            throw NetError(code: .invalidAddress, syscall: name, message: "\(name) returned a non-IP address")
        }
        return address
    }
}
