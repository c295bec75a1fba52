#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw POSIX thread running one closure (this target avoids Foundation's `Thread`).
struct LoopThread: @unchecked Sendable {
    // @unchecked: pthread_t is an opaque pointer on Darwin; the handle is only passed to pthread_join.
    #if canImport(Darwin)
    private let handle: pthread_t?
    #else
    private let handle: pthread_t
    #endif
    private let detached: Bool

    private final class Context {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts a thread named `name` (at most 15 characters are kept) running `body`.
    /// A `detached` thread cannot be joined and releases its resources when it ends.
    static func start(name: String, detached: Bool, body: @escaping @Sendable () -> Void) throws -> LoopThread {
        let context = Unmanaged.passRetained(Context(name: name, body: body)).toOpaque()
        #if canImport(Darwin)
        var handle: pthread_t?
        let rc = pthread_create(&handle, nil, { raw in
            LoopThread.enter(raw)
            return nil
        }, context)
        #else
        var handle = pthread_t()
        let rc = pthread_create(&handle, nil, { raw in
            if let raw { LoopThread.enter(raw) }
            return nil
        }, context)
        #endif
        guard rc == 0 else {
            Unmanaged<Context>.fromOpaque(context).release()
            throw NetError.syscall("pthread_create", errno: rc)
        }
        if detached {
            #if canImport(Darwin)
            if let handle { pthread_detach(handle) }
            #else
            pthread_detach(handle)
            #endif
        }
        return LoopThread(handle: handle, detached: detached)
    }

    private static func enter(_ raw: UnsafeMutableRawPointer) {
        let context = Unmanaged<Context>.fromOpaque(raw).takeRetainedValue()
        #if canImport(Darwin)
        _ = pthread_setname_np(String(context.name.utf8.prefix(15)) ?? "PulsarNet")
        #else
        Epoll.setCurrentThreadName(context.name)
        #endif
        context.body()
    }

    /// An id of the calling thread, comparable with other `currentID()` results.
    static func currentID() -> UInt {
        #if canImport(Darwin)
        UInt(bitPattern: pthread_self())
        #else
        UInt(pthread_self())
        #endif
    }

    /// Waits for the thread to end. Does nothing for a detached thread.
    func join() {
        guard !detached else { return }
        #if canImport(Darwin)
        if let handle { pthread_join(handle, nil) }
        #else
        pthread_join(handle, nil)
        #endif
    }
}
