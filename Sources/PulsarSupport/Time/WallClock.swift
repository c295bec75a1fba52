#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's wall clock: publish times, token expiry, the emulator's system clock.
package enum WallClock {
    /// Milliseconds since the Unix epoch, from `clock_gettime(CLOCK_REALTIME)`.
    package static func milliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded toward zero (the unit of wall-clock times).
    package var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
