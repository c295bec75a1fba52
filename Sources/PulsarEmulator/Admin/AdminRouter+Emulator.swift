/// Emulator-only endpoints under `/pulsarkit/` (not part of Pulsar's API), for tests that drive a separate
/// emulator process:
/// ```
///  GET    /pulsarkit/clock                 {"now": <ms>, "manual": true|false}
///  POST   /pulsarkit/clock/advance?ms=N    moves a manual clock (pulsar-emulator --manual-clock) and runs due timers
/// ```
extension AdminRouter {
    func emulatorControl(_ method: String, _ path: ArraySlice<String>, query: [String: String], state: inout BrokerState,
                         outputs: inout BrokerOutputs) throws(AdminError) -> HTTPResponse {
        let clock = state.configuration.clock
        switch (method, Array(path)) {
        case ("GET", ["clock"]):
            return .json(.object([("now", .integer(clock.now())), ("manual", .bool(clock is ManualClock))]))
        case ("POST", ["clock", "advance"]):
            guard let manual = clock as? ManualClock else {
                throw AdminError(.conflict, "The emulator runs on the system clock; start it with --manual-clock")
            }
            guard let text = query["ms"], let milliseconds = Int64(text) else {
                throw AdminError(.badRequest, "Give the milliseconds to advance as ?ms=N")
            }
            manual.advance(milliseconds: milliseconds)
            state.tick(now: manual.now(), into: &outputs)
            return .json(.object([("now", .integer(manual.now())), ("manual", .bool(true))]))
        default:
            throw AdminError(.notFound, "No such emulator endpoint")
        }
    }
}
