import PulsarSupport

/// Reads the members of one JSON object for a file a person wrote (a scenario, a frame rule), and names the path of
/// whatever is wrong: `steps[2].rule.count must be an integer ≥ 0`. Unknown members are errors, so a typo is caught
/// rather than ignored.
package struct JSONFields {
    /// Where the object sits in its document (`steps[2].rule`).
    package let path: String
    /// The object.
    package let object: JSONObject

    /// The object at `path`.
    ///
    /// - Throws: ``FaultProxyError/Code/invalidArgument`` when `value` is not an object.
    package init(_ value: JSONValue, path: String) throws(FaultProxyError) {
        guard let object = value.objectValue else { throw FaultProxyError(.invalidArgument, "\(path) must be a JSON object") }
        self.path = path
        self.object = object
    }

    /// The path of member `name`.
    package func path(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    /// An error about member `name`.
    package func error(_ name: String, _ problem: String) -> FaultProxyError {
        FaultProxyError(.invalidArgument, "\(path(name)) \(problem)")
    }

    /// Throws when the object has a member not in `known`.
    package func rejectUnknown(_ known: Set<String>) throws(FaultProxyError) {
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw FaultProxyError(.invalidArgument, "\(path(unknown)) is not a known field (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    /// Whether member `name` is present and not null.
    package func has(_ name: String) -> Bool {
        if let value = object[name], value != .null { return true }
        return false
    }

    /// A string member, or nil when absent.
    package func string(_ name: String) throws(FaultProxyError) -> String? {
        guard has(name) else { return nil }
        guard let text = object[name]?.stringValue else { throw error(name, "must be a string") }
        return text
    }

    /// A string member that must be present.
    package func requiredString(_ name: String) throws(FaultProxyError) -> String {
        guard let text = try string(name) else { throw error(name, "is required") }
        return text
    }

    /// An integer member ≥ `minimum`, or nil when absent.
    package func int(_ name: String, minimum: Int = 0) throws(FaultProxyError) -> Int? {
        guard has(name) else { return nil }
        guard let number = object[name]?.numberValue, number == number.rounded(), abs(number) < 1e15, Int(number) >= minimum else {
            throw error(name, "must be an integer ≥ \(minimum)")
        }
        return Int(number)
    }

    /// A number member, or nil when absent.
    package func double(_ name: String) throws(FaultProxyError) -> Double? {
        guard has(name) else { return nil }
        guard let number = object[name]?.numberValue else { throw error(name, "must be a number") }
        return number
    }

    /// A boolean member, or nil when absent.
    package func bool(_ name: String) throws(FaultProxyError) -> Bool? {
        guard has(name) else { return nil }
        guard let value = object[name]?.boolValue else { throw error(name, "must be true or false") }
        return value
    }

    /// An array of strings, or nil when absent.
    package func strings(_ name: String) throws(FaultProxyError) -> [String]? {
        guard has(name) else { return nil }
        guard let items = object[name]?.arrayValue else { throw error(name, "must be an array of strings") }
        var strings: [String] = []
        for item in items {
            guard let text = item.stringValue else { throw error(name, "must be an array of strings") }
            strings.append(text)
        }
        return strings
    }

    /// An array member, or nil when absent.
    package func array(_ name: String) throws(FaultProxyError) -> [JSONValue]? {
        guard has(name) else { return nil }
        guard let items = object[name]?.arrayValue else { throw error(name, "must be an array") }
        return items
    }

    /// An object member, or nil when absent.
    package func fields(_ name: String) throws(FaultProxyError) -> JSONFields? {
        guard has(name), let value = object[name] else { return nil }
        return try JSONFields(value, path: path(name))
    }
}
