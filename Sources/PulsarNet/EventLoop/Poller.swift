#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Readiness reported for one registered descriptor.
struct IOEvents: OptionSet, Sendable {
    let rawValue: UInt8
    /// Data (or a pending connection, or end of stream) can be read.
    static let readable = IOEvents(rawValue: 1)
    /// The send buffer has room (or a connect finished).
    static let writable = IOEvents(rawValue: 2)
    /// The peer closed (read side ended) or the connection hung up.
    static let hangup = IOEvents(rawValue: 4)
    /// The socket has a pending error.
    static let error = IOEvents(rawValue: 8)
}

/// The platform's edge-triggered readiness notifier: epoll on Linux, kqueue on Darwin, plus a way to wake its waiter.
/// `register`, `deregister` and `wake` may be called from any thread; `wait` only from the event-loop thread.
final class Poller: Sendable {
    /// The id reported for wake-ups; never used by a registration.
    static let wakeID = UInt64.max
    /// How many events one `wait` can return.
    static let batchSize = 256

    /// The epoll / kqueue descriptor.
    let fd: Int32
    /// Linux: the eventfd written by `wake`. Darwin: unused (-1), EVFILT_USER wakes instead.
    private let wakeFD: Int32

    /// Creates the epoll / kqueue instance and its wake-up source.
    init() throws {
        #if os(Linux) || os(Android)
        let epoll = try Epoll.create()
        let eventFD: Int32
        do {
            eventFD = try Epoll.makeEventFD()
            try Epoll.add(epoll: epoll, fd: eventFD, events: Epoll.readable | Epoll.edgeTriggered, id: Poller.wakeID)
        } catch {
            Posix.close(epoll)
            throw error
        }
        fd = epoll
        wakeFD = eventFD
        #else
        let kq = kqueue()
        guard kq >= 0 else { throw NetError.syscall("kqueue", errno: errno) }
        _ = fcntl(kq, F_SETFD, FD_CLOEXEC)
        var change = Poller.kevent(
            ident: 0, filter: EVFILT_USER, flags: EV_ADD | EV_CLEAR, fflags: 0, id: Poller.wakeID)
        guard Darwin.kevent(kq, &change, 1, nil, 0, nil) >= 0 else {
            let err = errno
            Posix.close(kq)
            throw NetError.syscall("kevent", errno: err)
        }
        fd = kq
        wakeFD = -1
        #endif
    }

    /// Starts watching `fd` (edge-triggered) for readability, and for writability too if `writable`.
    func register(fd socket: Int32, id: UInt64, writable: Bool) throws {
        #if os(Linux) || os(Android)
        var events = Epoll.readable | Epoll.readHangup | Epoll.edgeTriggered
        if writable { events |= Epoll.writable }
        try Epoll.add(epoll: fd, fd: socket, events: events, id: id)
        #else
        var changes = [
            Poller.kevent(ident: UInt(socket), filter: EVFILT_READ, flags: EV_ADD | EV_CLEAR, fflags: 0, id: id),
            Poller.kevent(ident: UInt(socket), filter: EVFILT_WRITE, flags: EV_ADD | EV_CLEAR, fflags: 0, id: id),
        ]
        let count: Int32 = writable ? 2 : 1
        guard Darwin.kevent(fd, &changes, count, nil, 0, nil) >= 0 else {
            throw NetError.syscall("kevent", errno: errno)
        }
        #endif
    }

    /// Stops watching `fd`. Closing a descriptor also removes it, so this is only needed when it stays open.
    func deregister(fd socket: Int32) {
        #if os(Linux) || os(Android)
        Epoll.remove(epoll: fd, fd: socket)
        #else
        var changes = [
            Poller.kevent(ident: UInt(socket), filter: EVFILT_READ, flags: EV_DELETE, fflags: 0, id: 0),
            Poller.kevent(ident: UInt(socket), filter: EVFILT_WRITE, flags: EV_DELETE, fflags: 0, id: 0),
        ]
        _ = Darwin.kevent(fd, &changes, 2, nil, 0, nil)
        #endif
    }

    /// Makes a current or the next `wait` return (reporting `wakeID`).
    func wake() {
        #if os(Linux) || os(Android)
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(wakeFD, $0.baseAddress, 8) }
        #else
        var change = Poller.kevent(ident: 0, filter: EVFILT_USER, flags: 0, fflags: NOTE_TRIGGER, id: Poller.wakeID)
        _ = Darwin.kevent(fd, &change, 1, nil, 0, nil)
        #endif
    }

    /// Releases the epoll / kqueue descriptor and the wake-up source. Only after the loop thread has stopped.
    func close() {
        if wakeFD >= 0 { Posix.close(wakeFD) }
        Posix.close(fd)
    }

    /// Room for one batch of events, owned by the loop thread.
    struct EventBuffer: ~Copyable {
        #if os(Linux) || os(Android)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Poller.batchSize * Epoll.eventSize, alignment: 8)
        deinit { raw.deallocate() }
        #else
        let events = UnsafeMutablePointer<Darwin.kevent>.allocate(capacity: Poller.batchSize)
        deinit { events.deallocate() }
        #endif
    }

    /// Collects ready events, calling `body` for each as (id, events). If `blocking`, first waits until at least one
    /// is ready (or the poller is woken); otherwise only polls.
    func wait(into buffer: borrowing EventBuffer, blocking: Bool, _ body: (UInt64, IOEvents) -> Void) throws {
        #if os(Linux) || os(Android)
        let count = try Epoll.wait(
            epoll: fd, buffer: buffer.raw, capacity: Int32(Poller.batchSize), timeoutMillis: blocking ? -1 : 0)
        for index in 0..<count {
            let (mask, id) = Epoll.event(at: index, in: buffer.raw)
            if id == Poller.wakeID {
                var value: UInt64 = 0
                _ = withUnsafeMutableBytes(of: &value) { read(wakeFD, $0.baseAddress, 8) }
                body(id, [])
                continue
            }
            var events: IOEvents = []
            if mask & Epoll.readable != 0 { events.insert(.readable) }
            if mask & Epoll.writable != 0 { events.insert(.writable) }
            if mask & (Epoll.hangup | Epoll.readHangup) != 0 { events.insert(.hangup) }
            if mask & Epoll.error != 0 { events.insert(.error) }
            body(id, events)
        }
        #else
        var count: Int32
        var zero = timespec(tv_sec: 0, tv_nsec: 0)
        repeat {
            if blocking {
                count = Darwin.kevent(fd, nil, 0, buffer.events, Int32(Poller.batchSize), nil)
            } else {
                count = Darwin.kevent(fd, nil, 0, buffer.events, Int32(Poller.batchSize), &zero)
            }
        } while count < 0 && errno == EINTR
        guard count >= 0 else { throw NetError.syscall("kevent", errno: errno) }
        for index in 0..<Int(count) {
            let event = buffer.events[index]
            let id = UInt64(UInt(bitPattern: event.udata))
            if Int32(event.filter) == EVFILT_USER {
                body(Poller.wakeID, [])
                continue
            }
            var events: IOEvents = []
            if Int32(event.filter) == EVFILT_READ { events.insert(.readable) }
            if Int32(event.filter) == EVFILT_WRITE { events.insert(.writable) }
            if Int32(event.flags) & EV_EOF != 0 { events.insert(.hangup) }
            if Int32(event.flags) & EV_ERROR != 0 { events.insert(.error) }
            body(id, events)
        }
        #endif
    }

    #if canImport(Darwin)
    private static func kevent(ident: UInt, filter: Int32, flags: Int32, fflags: Int32, id: UInt64) -> Darwin.kevent {
        Darwin.kevent(
            ident: ident, filter: Int16(filter), flags: UInt16(flags), fflags: UInt32(fflags), data: 0,
            udata: UnsafeMutableRawPointer(bitPattern: UInt(id))
        )
    }
    #endif
}
