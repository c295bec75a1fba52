/// Why a harness call failed. Its description carries a report of the broker's and the bus's state at the time, so a
/// failed test shows why it failed, not only that it did.
public struct PulsarTestHarnessError: Error, CustomStringConvertible, Sendable {
    /// The kinds of failure.
    public enum Code: String, Sendable, Equatable {
        /// A wait gave up at its real-time deadline.
        case timedOut
        /// `runUntilIdle` was still finding work after its step limit.
        case stepLimitExceeded
        /// The call needs the in-process emulator (virtual time, quiescence, broker restarts) and the harness runs
        /// against an external broker.
        case unsupportedOnExternalBroker
        /// An argument was empty or out of range.
        case invalidArgument
        /// The test left registrations, clients or unacknowledged messages behind (only when the options ask to
        /// check).
        case leftovers
    }

    /// What failed.
    public var code: Code
    /// One line saying what failed.
    public var message: String
    /// The state of the system when it failed (empty when it says nothing useful).
    public var report: String

    /// An error of `code` with `message` and an optional state `report`.
    public init(_ code: Code, _ message: String, report: String = "") {
        self.code = code
        self.message = message
        self.report = report
    }

    /// The message, then the report.
    public var description: String {
        report.isEmpty ? "\(code.rawValue): \(message)" : "\(code.rawValue): \(message)\n\(report)"
    }
}
