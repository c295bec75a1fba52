#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import PulsarNet

/// Two connected ends of one transport.
struct StreamPair: Sendable {
    let client: any ByteStream
    let server: any ByteStream

    func close() {
        client.close()
        server.close()
    }
}

/// A way to make connected stream pairs, so behavioural tests run against TCP (IPv4, IPv6) and in-memory alike.
struct Transport: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable (WriteWatermarks) async throws -> StreamPair

    var testDescription: String { name }

    static let tcp4 = Transport(name: "tcp-ipv4") { try await tcpPair(host: "127.0.0.1", watermarks: $0) }
    static let tcp6 = Transport(name: "tcp-ipv6") { try await tcpPair(host: "::1", watermarks: $0) }
    static let memory = Transport(name: "memory") { watermarks in
        let (a, b) = InMemoryDuplex.makePair(bufferLimit: 64 * 1024, watermarks: watermarks)
        return StreamPair(client: a, server: b)
    }
    static let all = [tcp4, tcp6, memory]

    static func tcpPair(host: String, watermarks: WriteWatermarks) async throws -> StreamPair {
        let listener = try TCPListener.bind(host: host, port: 0, connectionWatermarks: watermarks)
        defer { listener.close() }
        async let accepted = listener.accept()
        let client = try await TCPConnection.connect(
            host: host, port: listener.localAddress.port, timeout: .seconds(10), watermarks: watermarks)
        guard let server = try await accepted else {
            client.close()
            throw NetError(code: .connectionClosed, message: "listener closed before accepting")
        }
        return StreamPair(client: client, server: server)
    }
}

/// Suspends (yielding, not sleeping) until `condition` holds; records an issue if it does not within 10 s.
func waitUntil(
    _ what: Comment, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool
) async {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if condition() { return }
        await Task.yield()
    }
    Issue.record("gave up waiting until \(what) (10 s)", sourceLocation: sourceLocation)
}

/// Internal introspection shared by both stream kinds.
extension ByteStream {
    var hasPendingRead: Bool {
        switch self {
        case let tcp as TCPConnection: tcp.hasPendingRead
        case let memory as InMemoryStream: memory.hasPendingRead
        default: false
        }
    }

    var pendingWriterCount: Int {
        switch self {
        case let tcp as TCPConnection: tcp.pendingWriterCount
        case let memory as InMemoryStream: memory.pendingWriterCount
        default: 0
        }
    }

    /// Reads until `count` bytes arrived or the stream ended.
    func read(exactly count: Int) async throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count, let bytes = try await read(maxLength: count - result.count) {
            result += bytes
        }
        return result
    }

    /// Reads until end of stream.
    func readToEnd() async throws -> [UInt8] {
        var result: [UInt8] = []
        while let bytes = try await read(maxLength: 64 * 1024) {
            result += bytes
        }
        return result
    }
}

/// A deterministic byte pattern (position p holds p % 251) that can be produced and checked cheaply with memcmp.
enum Pattern {
    static let period = 251
    static let table: [UInt8] = (0 ..< (period + 1024 * 1024)).map { UInt8($0 % period) }

    /// `length` (at most 1 MiB) bytes of the pattern starting at stream position `offset`.
    static func bytes(at offset: Int, length: Int) -> [UInt8] {
        let start = offset % period
        return Array(table[start ..< start + length])
    }

    /// Whether `bytes` match the pattern at stream position `offset`.
    static func matches(_ bytes: [UInt8], at offset: Int) -> Bool {
        precondition(bytes.count <= 1024 * 1024)
        let start = offset % period
        return bytes.withUnsafeBytes { actual in
            table.withUnsafeBytes { expected in
                memcmp(actual.baseAddress!, expected.baseAddress! + start, actual.count) == 0
            }
        }
    }
}

/// The inode of the socket behind `fd` (stable identity, unlike the reusable descriptor number).
func socketInode(_ fd: Int32) -> UInt64? {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return nil }
    return UInt64(info.st_ino)
}

/// The inodes of every socket this process has open, read from /proc/self/fd ("socket:[12345]" links).
func openSocketInodes() -> Set<UInt64> {
    var result = Set<UInt64>()
    guard let dir = opendir("/proc/self/fd") else { return result }
    defer { closedir(dir) }
    var link = [CChar](repeating: 0, count: 256)
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        guard name.first?.isNumber == true else { continue }
        let length = readlink("/proc/self/fd/\(name)", &link, link.count - 1)
        guard length > 0 else { continue }
        let target = link.prefix(length).map { UInt8(bitPattern: $0) }
        let text = String(decoding: target, as: UTF8.self)
        if text.hasPrefix("socket:["), let inode = UInt64(text.dropFirst(8).dropLast()) {
            result.insert(inode)
        }
    }
    return result
}
