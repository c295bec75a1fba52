#if os(Linux) || os(Android)
import Glibc

/// epoll, eventfd and the GNU extensions `accept4` and `pthread_setname_np` for Linux.
///
/// Swift's Glibc module does not export `<sys/epoll.h>` or `<sys/eventfd.h>` (nor GNU extensions), and this target
/// has no C shim, so these functions are looked up once with `dlsym` and called through `@convention(c)` pointers
/// (the proper C calling convention). The constants are the Linux ABI values; `struct epoll_event` is handled as raw
/// bytes because it is packed (12 bytes) on x86-64 and naturally aligned (16 bytes) elsewhere.
enum Epoll {
    static let readable: UInt32 = 0x001   // EPOLLIN
    static let writable: UInt32 = 0x004   // EPOLLOUT
    static let error: UInt32 = 0x008      // EPOLLERR
    static let hangup: UInt32 = 0x010     // EPOLLHUP
    static let readHangup: UInt32 = 0x2000 // EPOLLRDHUP
    static let edgeTriggered: UInt32 = 1 << 31 // EPOLLET
    private static let ctlAdd: Int32 = 1  // EPOLL_CTL_ADD
    private static let ctlDel: Int32 = 2  // EPOLL_CTL_DEL

    #if arch(x86_64) || arch(i386)
    /// Size of `struct epoll_event` (packed on x86).
    static let eventSize = 12
    static let dataOffset = 4
    #else
    /// Size of `struct epoll_event`.
    static let eventSize = 16
    static let dataOffset = 8
    #endif

    private typealias CreateFn = @convention(c) (Int32) -> Int32
    private typealias CtlFn = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    private typealias WaitFn = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
    private typealias EventfdFn = @convention(c) (UInt32, Int32) -> Int32
    private typealias Accept4Fn = @convention(c) (
        Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32
    ) -> Int32
    private typealias SetNameFn = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32

    private struct Functions: @unchecked Sendable {
        let create: CreateFn
        let ctl: CtlFn
        let wait: WaitFn
        let eventfd: EventfdFn
        let accept4: Accept4Fn
        let setThreadName: SetNameFn
    }

    private static let functions: Functions = {
        let handle = dlopen(nil, RTLD_NOW)
        func symbol<T>(_ name: String, as type: T.Type) -> T {
            guard let pointer = dlsym(handle, name) else { fatalError("PulsarNet: libc has no \(name)") }
            return unsafeBitCast(pointer, to: type)
        }
        return Functions(
            create: symbol("epoll_create1", as: CreateFn.self),
            ctl: symbol("epoll_ctl", as: CtlFn.self),
            wait: symbol("epoll_wait", as: WaitFn.self),
            eventfd: symbol("eventfd", as: EventfdFn.self),
            accept4: symbol("accept4", as: Accept4Fn.self),
            setThreadName: symbol("pthread_setname_np", as: SetNameFn.self)
        )
    }()

    /// epoll_create1(EPOLL_CLOEXEC).
    static func create() throws -> Int32 {
        let fd = functions.create(O_CLOEXEC)
        guard fd >= 0 else { throw NetError.syscall("epoll_create1", errno: errno) }
        return fd
    }

    /// eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK).
    static func makeEventFD() throws -> Int32 {
        let fd = functions.eventfd(0, O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw NetError.syscall("eventfd", errno: errno) }
        return fd
    }

    /// accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); -1 with errno set on failure.
    static func accept4(_ fd: Int32) -> Int32 {
        functions.accept4(fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
    }

    /// Names the calling thread (at most 15 bytes are kept).
    static func setCurrentThreadName(_ name: String) {
        _ = functions.setThreadName(pthread_self(), String(name.utf8.prefix(15)) ?? "PulsarNet")
    }

    /// EPOLL_CTL_ADD of `fd` with `events`, tagged with `id`.
    static func add(epoll: Int32, fd: Int32, events: UInt32, id: UInt64) throws {
        try withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { raw in
            raw.storeBytes(of: events, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: id, toByteOffset: dataOffset, as: UInt64.self)
            guard functions.ctl(epoll, ctlAdd, fd, raw.baseAddress) == 0 else {
                throw NetError.syscall("epoll_ctl", errno: errno)
            }
        }
    }

    /// EPOLL_CTL_DEL of `fd`; errors (e.g. already closed) are ignored.
    static func remove(epoll: Int32, fd: Int32) {
        var dummy = (UInt64(0), UInt64(0))
        _ = withUnsafeMutableBytes(of: &dummy) { functions.ctl(epoll, ctlDel, fd, $0.baseAddress) }
    }

    /// epoll_wait into `buffer` (room for `capacity` events), retrying on EINTR; returns the number of events.
    static func wait(
        epoll: Int32, buffer: UnsafeMutableRawPointer, capacity: Int32, timeoutMillis: Int32
    ) throws -> Int {
        while true {
            let n = functions.wait(epoll, buffer, capacity, timeoutMillis)
            if n >= 0 { return Int(n) }
            let err = errno
            if err == EINTR { continue }
            throw NetError.syscall("epoll_wait", errno: err)
        }
    }

    /// The (events, data) pair of event `index` in a buffer filled by `wait`.
    @inline(__always)
    static func event(at index: Int, in buffer: UnsafeMutableRawPointer) -> (events: UInt32, id: UInt64) {
        let base = buffer + index * eventSize
        return (base.loadUnaligned(as: UInt32.self), base.loadUnaligned(fromByteOffset: dataOffset, as: UInt64.self))
    }
}
#endif
