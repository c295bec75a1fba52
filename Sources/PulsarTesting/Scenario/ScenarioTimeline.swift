/// Which steps of a scenario are due. Fed the number of messages handed to the producer and the time since the
/// workload started, it hands out each step once, in file order; no I/O, no clock.
package struct ScenarioTimeline: Sendable {
    private var pending: [(index: Int, step: ScenarioStep)]
    /// The indices of the steps handed out, in the order they were.
    package private(set) var fired: [Int] = []

    /// A timeline of `steps`.
    package init(_ steps: [ScenarioStep]) {
        pending = Array(steps.enumerated().map { (index: $0.offset, step: $0.element) })
    }

    /// The steps due now that were not handed out before, in file order.
    package mutating func due(sends: Int, elapsedMilliseconds: Int) -> [ScenarioStep] {
        var due: [ScenarioStep] = []
        pending.removeAll { entry in
            let isDue = switch entry.step.trigger {
            case .afterSends(let count): sends >= count
            case .atMilliseconds(let milliseconds): elapsedMilliseconds >= milliseconds
            }
            if isDue {
                due.append(entry.step)
                fired.append(entry.index)
            }
            return isDue
        }
        return due
    }

    /// The earliest time trigger still pending, in milliseconds since the start.
    package var nextTimeTrigger: Int? {
        pending.compactMap { entry -> Int? in
            if case .atMilliseconds(let milliseconds) = entry.step.trigger { return milliseconds }
            return nil
        }.min()
    }

    /// The steps never handed out.
    package var unfired: [ScenarioStep] { pending.map(\.step) }
}
