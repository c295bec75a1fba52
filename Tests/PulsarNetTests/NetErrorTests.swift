#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import PulsarNet

@Suite(.timeLimit(.minutes(1))) struct NetErrorTests {
    @Test func mapsErrnoToCodes() {
        #expect(NetError.syscall("connect", errno: ECONNREFUSED).code == .connectionRefused)
        #expect(NetError.syscall("send", errno: EPIPE).code == .connectionReset)
        #expect(NetError.syscall("read", errno: ECONNRESET).code == .connectionReset)
        #expect(NetError.syscall("connect", errno: ETIMEDOUT).code == .timedOut)
        #expect(NetError.syscall("bind", errno: EADDRINUSE).code == .addressInUse)
        #expect(NetError.syscall("socket", errno: EMFILE).code == .resourceExhausted)
        #expect(NetError.syscall("accept", errno: ENFILE).isResourceExhaustion)
        #expect(NetError.syscall("socket", errno: EACCES).code == .syscallFailed)
    }

    @Test func describesItself() {
        let error = NetError.syscall("connect", errno: ECONNREFUSED)
        #expect(error.errno == ECONNREFUSED)
        #expect(error.syscall == "connect")
        #expect(error.description.hasPrefix("connectionRefused: connect failed"))
        #expect(NetError.closed.code.description == "connectionClosed")
    }
}
