// `pulsar-emulator tokens …`: keys and tokens like Apache Pulsar's `bin/pulsar tokens`.
import PulsarAuth
import PulsarSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let tokensUsage = """
    usage: pulsar-emulator tokens <command> [options]

    Creates keys and tokens like Apache Pulsar's `pulsar tokens`, for the emulator or a real broker.

    commands:
      create-secret-key [-a|--signature-algorithm HS256|HS384|HS512] [-o|--output FILE] [-b|--base64]
          A random secret (32 bytes; 48 for HS384, 64 for HS512): raw bytes to FILE or standard output, or base64
          text with --base64.
      create-key-pair [-a|--signature-algorithm RS256|RS384|RS512|ES256] --output-private-key FILE
                      --output-public-key FILE [--pem]
          A key pair: the private key as PKCS #8, the public key as X.509 SubjectPublicKeyInfo; DER (PEM with --pem).
      create (-sk|--secret-key KEY | -pk|--private-key KEY) -s|--subject ROLE [-e|--expiry-time 1h]
             [-a|--signature-algorithm ALG] [-b|--base64]
          Prints a token: header {"alg":ALG}, claims {"sub":ROLE,"exp":…}. Expiry: N with s, m, h, d, w or y
          (1y = 365 days); no expiry by default. ALG defaults to HS256, RS256 or ES256 from the key.
      validate (-sk|--secret-key KEY | -pk|--public-key KEY) [-a|--signature-algorithm ALG] [-b|--base64]
               [--token-auth-claim CLAIM] [--token-audience AUD] (TOKEN | -i|--stdin | -f|--token-file FILE)
          Checks the signature, exp and nbf against the current time, prints the claims as JSON; exit status 1 if
          the token is refused. ALG is the public key's algorithm (tokenPublicAlg, default RS256).
      show (TOKEN | -i|--stdin | -f|--token-file FILE)
          Prints the header and the claims without checking anything.

    KEY is a file path, file:///path, data:;base64,<base64> or bare base64, as in the broker's settings. A secret
    key file holds the raw bytes (-b/--base64: base64 text). --algorithm is accepted for --signature-algorithm.
    """

/// The `tokens` subcommands.
enum TokensCommand {
    /// Runs `tokens <command> …` and exits.
    static func run(_ arguments: [String]) -> Never {
        guard let command = arguments.first else { fail("tokens needs a command", usage: tokensUsage) }
        var reader = ArgumentReader(Array(arguments.dropFirst()), usage: tokensUsage)
        var options = Options()
        while let argument = reader.next() {
            if ["-h", "--help"].contains(argument) {
                writeLine(tokensUsage)
                exit(0)
            }
            options.read(argument, from: &reader)
        }
        do throws(AuthError) {
            switch command {
            case "create-secret-key": try createSecretKey(options)
            case "create-key-pair": try createKeyPair(options)
            case "create": writeLine(try create(options))
            case "validate": writeLine(try validate(options))
            case "show": writeLine(try show(options))
            case "-h", "--help", "help": writeLine(tokensUsage)
            default: fail("unknown tokens command '\(command)'", usage: tokensUsage)
            }
        } catch {
            exitWithError("\(command): \(error)")
        }
        exit(0)
    }

    /// Every option of every subcommand; each uses what applies to it.
    struct Options {
        var algorithm: JWTAlgorithm?
        var output: String?
        var base64 = false
        var pem = false
        var privateKeyOutput: String?
        var publicKeyOutput: String?
        var secretKey: String?
        var privateKey: String?
        var publicKey: String?
        var subject: String?
        var expirySeconds: Int64?
        var roleClaim = "sub"
        var audience: String?
        var token: String?

        mutating func read(_ argument: String, from reader: inout ArgumentReader) {
            switch argument {
            case "-a", "--signature-algorithm", "--algorithm":
                let algorithm = JWTAlgorithm(name: reader.value(for: argument).uppercased())
                guard algorithm.isSupported else { fail("unsupported algorithm \(algorithm)", usage: tokensUsage) }
                self.algorithm = algorithm
            case "-o", "--output": output = reader.value(for: argument)
            case "-b", "--base64": base64 = true
            case "--pem": pem = true
            case "--output-private-key": privateKeyOutput = reader.value(for: argument)
            case "--output-public-key": publicKeyOutput = reader.value(for: argument)
            case "-sk", "--secret-key": secretKey = reader.value(for: argument)
            case "-pk", "--private-key": privateKey = reader.value(for: argument)
            case "--public-key": publicKey = reader.value(for: argument)
            case "-s", "--subject": subject = reader.value(for: argument)
            case "-e", "--expiry-time":
                let text = reader.value(for: argument)
                guard let seconds = TokensCommand.seconds(text) else {
                    fail("--expiry-time '\(text)' is not a duration such as 30m, 1h, 2d or 1y", usage: tokensUsage)
                }
                expirySeconds = seconds
            case "--token-auth-claim": roleClaim = reader.value(for: argument)
            case "--token-audience": audience = reader.value(for: argument)
            case "-i", "--stdin": token = readLine(strippingNewline: true) ?? ""
            case "-f", "--token-file":
                let path = reader.value(for: argument)
                do {
                    token = String(decoding: try KeyFileIO.read(path: path), as: UTF8.self)
                } catch {
                    exitWithError("cannot read the token file: \(error.message)")
                }
            default:
                guard !argument.hasPrefix("-"), token == nil else { fail("unknown or repeated argument '\(argument)'", usage: tokensUsage) }
                token = argument
            }
        }
    }

    /// `30`, `30s`, `5m`, `1h`, `2d`, `1w`, `1y` in seconds (like the broker's `RelativeTimeUtil`).
    static func seconds(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800, "y": 31_536_000]
        guard let last = text.lowercased().last else { return nil }
        let (digits, unit) = units[last].map { (text.dropLast(), $0) } ?? (Substring(text), 1)
        guard let value = Int64(digits), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: unit)
        return overflow ? nil : product
    }

    /// Unix seconds now.
    static func now() -> Int64 { WallClock.milliseconds() / 1000 }

    static func createSecretKey(_ options: Options) throws(AuthError) {
        let algorithm = options.algorithm ?? .hs256
        let byteCount = switch algorithm {
        case .hs256: 32
        case .hs384: 48
        case .hs512: 64
        default: fail("a secret key is for HS256, HS384 or HS512, not \(algorithm)", usage: tokensUsage)
        }
        let encoded = SecretKeyCodec.encode(SecretKeyCodec.generate(byteCount: byteCount), base64: options.base64)
        if let output = options.output {
            try KeyFileIO.write(encoded, toPath: output, privateFile: true)
        } else {
            writeOut(encoded)
        }
    }

    static func createKeyPair(_ options: Options) throws(AuthError) {
        guard let privatePath = options.privateKeyOutput, let publicPath = options.publicKeyOutput else {
            fail("create-key-pair needs --output-private-key and --output-public-key", usage: tokensUsage)
        }
        let key = try AsymmetricPrivateKey.generate(for: options.algorithm ?? .rs256)
        let privateBytes = options.pem ? Array(key.pemRepresentation.utf8) : key.pkcs8DER
        let publicBytes = options.pem ? Array(key.publicKey.pemRepresentation.utf8) : key.publicKey.spkiDER
        try KeyFileIO.write(privateBytes, toPath: privatePath, privateFile: true)
        try KeyFileIO.write(publicBytes, toPath: publicPath, privateFile: false)
    }

    static func create(_ options: Options) throws(AuthError) -> String {
        guard let subject = options.subject, !subject.isEmpty else { fail("create needs -s/--subject ROLE", usage: tokensUsage) }
        let key: JWTSigningKey
        if let secretKey = options.secretKey {
            key = .secret(try secret(secretKey, base64: options.base64))
        } else if let privateKey = options.privateKey {
            key = JWTSigningKey(try AsymmetricPrivateKey(derOrPEM: try KeySource.loadKey(configValue: privateKey)))
        } else {
            fail("create needs --secret-key or --private-key", usage: tokensUsage)
        }
        let algorithm = options.algorithm ?? (key.family == .hmac ? .hs256 : key.family == .rsa ? .rs256 : .es256)
        let expiresAt = options.expirySeconds.map { UInt64(now() + $0) }
        return try TokenMinter.mint(subject: subject, expiresAt: expiresAt, algorithm: algorithm, key: key)
    }

    static func validate(_ options: Options) throws(AuthError) -> String {
        guard let token = options.token.map(trimmed), !token.isEmpty else {
            fail("validate needs a token (TOKEN, --stdin or --token-file)", usage: tokensUsage)
        }
        let key: JWTVerificationKey
        var publicAlgorithm: JWTAlgorithm?
        if let secretKey = options.secretKey {
            key = .secret(try secret(secretKey, base64: options.base64))
        } else if let publicKey = options.publicKey ?? options.privateKey {
            // `-pk` is --public-key here, as in `pulsar tokens validate`; a private key file works too.
            publicAlgorithm = options.algorithm ?? .rs256
            let bytes = try KeySource.loadKey(configValue: publicKey)
            if let privateKey = try? AsymmetricPrivateKey(derOrPEM: bytes) {
                key = JWTVerificationKey(privateKey.publicKey)
            } else {
                key = try .publicKey(derOrPEM: bytes, algorithm: publicAlgorithm!)
            }
        } else {
            fail("validate needs --secret-key or --public-key", usage: tokensUsage)
        }
        let validator = try TokenValidator(key: key, publicAlgorithm: publicAlgorithm, roleClaim: options.roleClaim,
                                           audience: options.audience)
        return try validator.validate(token, now: UInt64(now())).claims.serialized
    }

    static func show(_ options: Options) throws(AuthError) -> String {
        guard let token = options.token.map(trimmed), !token.isEmpty else {
            fail("show needs a token (TOKEN, --stdin or --token-file)", usage: tokensUsage)
        }
        let jwt = try JSONWebToken(compact: token)
        return jwt.header.serialized + "\n" + jwt.claims.serialized
    }

    private static func trimmed(_ text: String) -> String {
        String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// A secret key setting's bytes: raw, or base64 text with `--base64`.
    private static func secret(_ value: String, base64: Bool) throws(AuthError) -> [UInt8] {
        try SecretKeyCodec.decode(fileContents: try KeySource.loadKey(configValue: value), encoding: base64 ? .base64 : .raw)
    }
}
