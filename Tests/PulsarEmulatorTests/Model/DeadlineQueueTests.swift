import Testing
@testable import PulsarEmulator

@Suite("Deadline queue", .timeLimit(.minutes(1)))
struct DeadlineQueueTests {
    @Test("deadlines come out in time order, equal ones in scheduling order, and only once due")
    func ordering() {
        var queue = DeadlineQueue<String>()
        for (name, deadline) in [("c", 30), ("a", 10), ("b1", 20), ("b2", 20), ("d", 40)] as [(String, Int64)] {
            queue.schedule(name, at: deadline)
        }
        #expect(queue.nextDeadline == 10)
        #expect(queue.popDue(now: 9) == nil)
        var popped: [String] = []
        while let (_, name) = queue.popDue(now: 30) { popped.append(name) }
        #expect(popped == ["a", "b1", "b2", "c"])
        #expect(queue.count == 1 && queue.nextDeadline == 40)
    }

    @Test("a random schedule drains in sorted order")
    func randomSchedule() {
        var generator = SystemRandomNumberGenerator()
        var queue = DeadlineQueue<Int>()
        var deadlines: [Int64] = []
        for index in 0..<2_000 {
            let deadline = Int64.random(in: 0..<500, using: &generator)
            deadlines.append(deadline)
            queue.schedule(index, at: deadline)
        }
        var drained: [Int64] = []
        while let (deadline, _) = queue.popDue(now: .max) { drained.append(deadline) }
        #expect(drained == deadlines.sorted())
    }
}
