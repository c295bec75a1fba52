import Dispatch
import Foundation
import Synchronization
import Testing
@testable import PulsarNet

/// More blocking jobs than the cooperative pool has threads: if they ran on the pool, they would starve it.
let moreThanThePoolHolds = ProcessInfo.processInfo.activeProcessorCount + 2

@Suite(.timeLimit(.minutes(1))) struct BlockingWorkTests {
    struct Failure: Error, Equatable {}

    /// A counter the blocking jobs share with the test.
    final class Counter: Sendable {
        private let value = Atomic(0)
        func increment() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    @Test func returnsTheResultAndRethrowsTheError() async throws {
        #expect(try await BlockingWork.run("adding") { 40 + 2 } == 42)
        await #expect(throws: Failure.self) { try await BlockingWork.run("failing") { () throws -> Int in throw Failure() } }
    }

    /// Each job blocks its thread until every job has started. On the cooperative pool (as wide as the machine has
    /// cores) the later jobs could not start while the first ones block, so the gate would only give way to its own
    /// 20-second limit and the jobs would report false.
    @Test func jobsRunOffTheCooperativePool() async throws {
        let started = Counter()
        let gate = DispatchSemaphore(value: 0)
        let count = moreThanThePoolHolds
        let opened = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await BlockingWork.run("waiting at the gate") {
                        started.increment()
                        return gate.wait(timeout: .now() + 20) == .success
                    }
                }
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while started.count < count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            }
            for _ in 0..<count { gate.signal() }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(opened == Array(repeating: true, count: count), "every job started before the gate opened")
    }

    @Test func aDeadlineStopsTheWaitNotTheWork() async throws {
        let gate = DispatchSemaphore(value: 0)
        let finished = Counter()
        let start = ContinuousClock.now
        let error = await #expect(throws: NetError.self) {
            try await BlockingWork.run("hanging", deadline: .now + .milliseconds(100)) {
                _ = gate.wait(timeout: .now() + 20)
                finished.increment()
            }
        }
        #expect(error?.code == .timedOut)
        #expect(error?.message == "hanging timed out")
        #expect(ContinuousClock.now - start < .seconds(10), "the caller stopped waiting at the deadline")
        #expect(finished.count == 0, "the work still runs on its own thread")
        gate.signal()
    }

    @Test func cancellingTheCallerStopsTheWait() async throws {
        let gate = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        let task = Task {
            try await BlockingWork.run("hanging") {
                entered.signal()
                _ = gate.wait(timeout: .now() + 20)
            }
        }
        // Waits for the job to start on its own thread (off the pool, so this cannot starve it).
        let entering = try await BlockingWork.run("waiting for the job") { entered.wait(timeout: .now() + 20) }
        #expect(entering == .success)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        gate.signal()
    }

    @Test func aCallerCancelledBeforehandDoesNotWait() async throws {
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await BlockingWork.run("never needed") { 1 }
        }
        // The work may win the race with the cancellation handler; either way the call returns at once.
        let result = await task.result
        if case .failure(let error) = result { #expect(error is CancellationError) }
    }
}
