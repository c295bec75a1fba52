// Small helpers shared by the command-line parsers: output, failure, argument iteration.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `text` to standard error.
func printError(_ text: String) {
    var text = text + "\n"
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

/// Writes bytes to standard output, unbuffered.
func writeOut(_ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        offset += written
    }
}

/// Writes a line to standard output, unbuffered.
func writeLine(_ text: String) { writeOut(Array((text + "\n").utf8)) }

/// Reports a usage error with `usage` and exits with status 2.
func fail(_ message: String, usage: String) -> Never {
    printError("pulsar-emulator: \(message)\n\n\(usage)")
    exit(2)
}

/// Reports a failure (without the usage) and exits with status 1.
func exitWithError(_ message: String) -> Never {
    printError("pulsar-emulator: \(message)")
    exit(1)
}

/// Walks the arguments; `value(for:)` takes the next one as a flag's value.
struct ArgumentReader {
    private var iterator: IndexingIterator<[String]>
    let usage: String

    init(_ arguments: [String], usage: String) {
        iterator = arguments.makeIterator()
        self.usage = usage
    }

    /// The next argument, or nil at the end.
    mutating func next() -> String? { iterator.next() }

    /// The value following `flag`.
    mutating func value(for flag: String) -> String {
        guard let value = iterator.next() else { fail("\(flag) needs a value", usage: usage) }
        return value
    }
}
