import Foundation
import Testing
import PulsarAuth

/// Tokens minted here are verified by PyJWT when `PULSARKIT_PYTHON` names a Python
/// with `jwt` and `cryptography` installed (see scripts/jwt-fixtures.py).
@Suite(.timeLimit(.minutes(3))) struct PythonInteropTests {
    static let python = ProcessInfo.processInfo.environment["PULSARKIT_PYTHON"]

    static let script: String = {
        var components = String(#filePath).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        while components.count > 1 {
            components.removeLast()
            let candidate = components.joined(separator: "/") + "/scripts/jwt-fixtures.py"
            if KeyFileIO.fileExists(path: candidate) { return candidate }
        }
        return "scripts/jwt-fixtures.py"
    }()

    /// Why the test cannot run, or `nil` if it can.
    static func skipReason() async -> String? {
        guard let python, !python.isEmpty else {
            return "PULSARKIT_PYTHON is not set; skipping the PyJWT cross-check"
        }
        guard KeyFileIO.fileExists(path: script) else { return "\(script) not found" }
        let (status, output) = await run(python, ["-c", "import jwt, cryptography"], input: Data())
        return status == 0 ? nil : "\(python) cannot import jwt/cryptography: \(output)"
    }

    /// Runs a process to its end on a thread of its own (waiting blocks, and must not hold a test-runner thread).
    static func run(_ executable: String, _ arguments: [String], input: Data) async -> (Int32, String) {
        await offTheTestThreads { runBlocking(executable, arguments, input: input) }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], input: Data) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // Output goes to a file, not a pipe: reading a pipe to its end would wait as long as the child lives.
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("pyjwt-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: outputURL) }
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil),
              let output = try? FileHandle(forWritingTo: outputURL) else { return (-1, "cannot create \(outputURL.path)") }
        defer { try? output.close() }
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            return (-1, "\(error)")
        }
        stdin.fileHandleForWriting.write(input)
        try? stdin.fileHandleForWriting.close()
        // This runs on a thread of its own (see `run`): polling blocks only that thread. (`waitUntilExit` can block
        // for ever outside a run loop on Linux.)
        let deadline = ContinuousClock.now + .seconds(120)
        while process.isRunning, ContinuousClock.now < deadline { usleep(2_000) }
        guard !process.isRunning else {
            process.terminate()
            return (-1, "\(executable) did not finish within 120 s")
        }
        let text = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        return (process.terminationStatus, text)
    }

    @Test(.enabled("requires PULSARKIT_PYTHON with PyJWT") {
        if let reason = await PythonInteropTests.skipReason() {
            print("PythonInteropTests skipped: \(reason)")
            return false
        }
        return true
    })
    func pyJWTVerifiesSwiftMintedTokens() async throws {
        let expiry: UInt64 = 4_102_444_800
        var cases = [JSONValue]()
        for algorithm in JWTAlgorithm.supported {
            let key: JWTSigningKey = switch algorithm.family {
            case .hmac: .secret(SharedKeys.secret64)
            case .rsa: .rsa(SharedKeys.rsa2048)
            default: .ecP256(SharedKeys.p256)
            }
            let token = try TokenMinter.mint(subject: "swift-\(algorithm.name)", expiresAt: expiry, algorithm: algorithm, key: key)
            var entry: JSONObject = [
                "name": .string(algorithm.name), "token": .string(token), "algorithm": .string(algorithm.name),
                "expectedSubject": .string("swift-\(algorithm.name)"), "expectedExp": .integer(Int64(expiry)),
            ]
            switch key {
            case .secret(let secret): entry["secretBase64"] = .string(Base64.encode(secret))
            case .rsa(let privateKey): entry["publicKeyPEM"] = .string(privateKey.publicKey.pemRepresentation)
            case .ecP256(let privateKey): entry["publicKeyPEM"] = .string(privateKey.publicKey.pemRepresentation)
            }
            cases.append(.object(entry))
        }
        let request: JSONValue = ["cases": .array(cases)]
        let (status, output) = await Self.run(Self.python!, [Self.script, "verify"], input: Data(request.serializedBytes))
        print(output)
        #expect(status == 0, "PyJWT rejected Swift-minted tokens:\n\(output)")
        #expect(output.contains("pyjwt verified \(JWTAlgorithm.supported.count) of \(JWTAlgorithm.supported.count) tokens"))
    }
}
