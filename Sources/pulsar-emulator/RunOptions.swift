// `pulsar-emulator [run] [options]`: the flags, parsed into an EmulatorConfiguration.
import PulsarAuth
import PulsarEmulator
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let runUsage = """
    usage: pulsar-emulator [run] [options]
           pulsar-emulator tokens <command> …     (see pulsar-emulator tokens --help)
           pulsar-emulator proxy --upstream H:P …  a fault proxy (see pulsar-emulator proxy --help)

    Runs an in-memory Apache Pulsar broker speaking the binary protocol.

    options:
      --host HOST                  interface to listen on (default 127.0.0.1)
      --port PORT                  port; 0 picks a free one (default 6650)
      --advertised-address ADDR    host[:port] announced in LOOKUP answers (default: the bound address)
      --admin-port PORT|off        admin REST API and /metrics over HTTP; 0 picks a free port (default 8080)
      --admin-host HOST            interface for the admin port (default: --host)
      --max-message-size BYTES     largest accepted message (default 5242880)
      --keep-alive-seconds N       ping idle connections after N seconds, close after 2N (default 30)
      --no-auto-topic-creation     refuse producers and consumers on topics that do not exist
      --auto-partitions N          auto-create partitioned topics with N partitions (default 0: non-partitioned)
      --partitioned-topic NAME:N   create a partitioned topic at start (repeatable)
      --deduplication              acknowledge repeated sequence ids without storing them again
      --retention POLICY           ledgers (default: the broker's retention 0, whole acknowledged closed ledgers are
                                   deleted, the current one kept), until-acknowledged, forever, or entries:N
      --ledger-max-entries N       close a topic's ledger after N entries (default 50000, the broker's)
      --ledger-max-bytes BYTES     close a topic's ledger after BYTES entry bytes (default 2147483648)
      --manual-clock               time moves only through POST /pulsarkit/clock/advance?ms=N (needs the admin port)
      --log-level LEVEL            trace, debug, info, warn, error or off (default info)
      -h, --help                   show this help

    \(limitUsage)

    token authentication (off unless a key is given; KEY is a file path, file:///path, data:;base64,<…> or base64):
      --auth-secret-key KEY        HS256/384/512 secret (tokenSecretKey; a file holds the raw bytes)
      --auth-public-key KEY        public key, DER or PEM (tokenPublicKey)
      --auth-public-alg ALG        RS256 (default), RS384, RS512 or ES256 (tokenPublicAlg)
      --token-auth-claim CLAIM     claim holding the role (tokenAuthClaim, default sub)
      --token-audience-claim CLAIM claim holding the audience (tokenAudienceClaim, default aud)
      --token-audience AUD         audience tokens must name (tokenAudience)
      --auth-refresh-check-seconds N   how often open connections are checked for expired tokens (default 60)
      --anonymous-role ROLE        role of clients that send no token (anonymousUserRole; default: refused)
    authorization (on with authentication unless --no-authorization):
      --superuser-roles A,B        roles allowed everything, admin REST included (superUserRoles)
      --grant ROLE:RESOURCE:ACTIONS   e.g. app:public/default:produce,consume or app:persistent://t/ns/topic:consume
                                   (repeatable; grants can also be changed at run time through the admin REST API)
      --no-authorization           any authenticated role may do everything (authorizationEnabled=false)

    Prints one line `pulsar-emulator ready <serviceURL>` once it accepts connections, then (unless the admin port is
    off) a line `pulsar-emulator admin <adminURL>`; stops on SIGINT or SIGTERM.
    """

/// Authentication flags, applied once every flag is read.
private struct AuthenticationFlags {
    var secretKey: String?
    var publicKey: String?
    var publicAlgorithm: String?
    var roleClaim: String?
    var audienceClaim: String?
    var audience: String?
    var refreshCheckSeconds: Int?
    var anonymousRole: String?
    var superuserRoles: [String] = []
    var grants: [PermissionGrant] = []
    var authorization = true

    var isUsed: Bool {
        secretKey != nil || publicKey != nil || publicAlgorithm != nil || roleClaim != nil || audienceClaim != nil
            || audience != nil || refreshCheckSeconds != nil || anonymousRole != nil || !superuserRoles.isEmpty
            || !grants.isEmpty || !authorization
    }

    func makeAuthentication() -> EmulatorAuthentication? {
        guard isUsed else { return nil }
        guard secretKey != nil || publicKey != nil else {
            fail("authentication and authorization flags need --auth-secret-key or --auth-public-key", usage: runUsage)
        }
        var authentication: EmulatorAuthentication
        do {
            authentication = try .fromSettings(tokenSecretKey: secretKey, tokenPublicKey: publicKey, tokenPublicAlg: publicAlgorithm)
        } catch {
            exitWithError("cannot load the token key: \(error.message)")
        }
        if let roleClaim { authentication.roleClaim = roleClaim }
        authentication.audienceClaim = audienceClaim
        authentication.audience = audience
        if let refreshCheckSeconds { authentication.refreshCheckInterval = .seconds(refreshCheckSeconds) }
        authentication.anonymousRole = anonymousRole
        authentication.authorizationEnabled = authorization
        authentication.superuserRoles = Set(superuserRoles)
        authentication.grants = grants
        do {
            _ = try authentication.makeValidator()
        } catch {
            exitWithError("unusable token settings: \(error.message)")
        }
        return authentication
    }
}

/// Parses the `run` flags; exits with the usage on a bad one.
func parseRunConfiguration(_ arguments: [String]) -> EmulatorConfiguration {
    var configuration = EmulatorConfiguration()
    configuration.port = 6650
    configuration.adminPort = 8080
    configuration.logLevel = .info
    var auth = AuthenticationFlags()
    var reader = ArgumentReader(arguments, usage: runUsage)
    func number(_ flag: String, _ range: ClosedRange<Int>, _ what: String) -> Int {
        guard let value = Int(reader.value(for: flag)), range.contains(value) else { fail("\(flag) needs \(what)", usage: runUsage) }
        return value
    }
    while let argument = reader.next() {
        switch argument {
        case "run": continue
        case "-h", "--help":
            writeLine(runUsage)
            exit(0)
        case "--host": configuration.host = reader.value(for: argument)
        case "--port": configuration.port = number(argument, 0...65535, "0...65535")
        case "--advertised-address": configuration.advertisedAddress = reader.value(for: argument)
        case "--admin-port":
            let text = reader.value(for: argument)
            if ["off", "none"].contains(text.lowercased()) {
                configuration.adminPort = nil
            } else {
                guard let port = Int(text), (0...65535).contains(port) else { fail("--admin-port needs 0...65535 or off", usage: runUsage) }
                configuration.adminPort = port
            }
        case "--admin-host": configuration.adminHost = reader.value(for: argument)
        case "--max-message-size": configuration.maxMessageSize = number(argument, 1...Int.max, "a positive number")
        case "--keep-alive-seconds": configuration.keepAliveInterval = .seconds(number(argument, 1...Int.max, "a positive number"))
        case "--no-auto-topic-creation": configuration.allowAutoTopicCreation = false
        case "--auto-partitions": configuration.autoTopicCreationPartitions = number(argument, 0...Int.max, "a number >= 0")
        case "--partitioned-topic":
            let spec = reader.value(for: argument)
            guard let colon = spec.lastIndex(of: ":"), let partitions = Int(spec[spec.index(after: colon)...]), partitions > 0
            else { fail("--partitioned-topic needs NAME:PARTITIONS", usage: runUsage) }
            configuration.partitionedTopics[String(spec[..<colon])] = partitions
        case "--deduplication": configuration.deduplication = true
        case "--retention":
            let policy = reader.value(for: argument)
            switch policy {
            case "ledgers": configuration.retention = .acknowledgedLedgers
            case "until-acknowledged": configuration.retention = .untilAcknowledged
            case "forever": configuration.retention = .forever
            default:
                guard policy.hasPrefix("entries:"), let entries = Int(policy.dropFirst("entries:".count)), entries >= 0 else {
                    fail("--retention needs ledgers, until-acknowledged, forever or entries:N", usage: runUsage)
                }
                configuration.retention = .limits(entries: entries, age: nil)
            }
        case "--ledger-max-entries":
            configuration.ledgerRollover.maxEntries = number(argument, 1...Int.max, "a number >= 1")
        case "--ledger-max-bytes":
            configuration.ledgerRollover.maxBytes = number(argument, 1...Int.max, "a number >= 1")
        case "--manual-clock": configuration.clock = ManualClock()
        case "--log-level":
            let name = reader.value(for: argument)
            guard let level = PulsarLogger.Level(name: name) else { fail("unknown log level '\(name)'", usage: runUsage) }
            configuration.logLevel = level
        case "--auth-secret-key": auth.secretKey = reader.value(for: argument)
        case "--auth-public-key": auth.publicKey = reader.value(for: argument)
        case "--auth-public-alg": auth.publicAlgorithm = reader.value(for: argument)
        case "--token-auth-claim": auth.roleClaim = reader.value(for: argument)
        case "--token-audience-claim": auth.audienceClaim = reader.value(for: argument)
        case "--token-audience": auth.audience = reader.value(for: argument)
        case "--auth-refresh-check-seconds": auth.refreshCheckSeconds = number(argument, 1...Int.max, "a positive number")
        case "--anonymous-role": auth.anonymousRole = reader.value(for: argument)
        case "--superuser-roles":
            auth.superuserRoles += reader.value(for: argument).split(separator: ",").map { String($0) }.filter { !$0.isEmpty }
        case "--grant":
            do {
                auth.grants.append(try PermissionGrant(parsing: reader.value(for: argument)))
            } catch {
                fail("--grant: \(error.message)", usage: runUsage)
            }
        case "--no-authorization": auth.authorization = false
        default:
            guard applyLimitFlag(argument, reader: &reader, to: &configuration.limits) else {
                fail("unknown argument '\(argument)'", usage: runUsage)
            }
        }
    }
    if auth.audienceClaim != nil, auth.audience == nil { fail("--token-audience-claim needs --token-audience", usage: runUsage) }
    configuration.authentication = auth.makeAuthentication()
    return configuration
}
