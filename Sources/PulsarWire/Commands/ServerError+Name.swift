extension ServerError {
    /// The error named `text`: its schema name in any case (`ServiceNotReady`, `serviceNotReady`) or its number
    /// (`6`); nil for anything else. Fault plans written as text (admin REST, scenario files) name errors this way.
    public init?(named text: String) {
        if let raw = Int32(text), raw >= 0 {
            self.init(rawValue: raw)
            return
        }
        let wanted = text.lowercased()
        guard let raw = (Int32(0)..<64).first(where: { ServerError(rawValue: $0).name?.lowercased() == wanted }) else { return nil }
        self.init(rawValue: raw)
    }
}
