// The `run` flags for EmulatorLimits: what one client may cost the emulator.
import PulsarEmulator

/// Help text of the limit flags, part of `pulsar-emulator --help`.
let limitUsage = """
    limits (0 = none where noted; hitting one gets the broker's error for it, never a hang):
      --max-connections N                  open binary-protocol connections (default 10000, 0 = none)
      --max-producers-per-connection N     more get ProducerBusy (default 10000, 0 = none)
      --max-consumers-per-connection N     more get ConsumerBusy (default 10000, 0 = none)
      --max-partitions-per-topic N         admin API answers 406 above it (default 1024, 0 = none)
      --max-topic-name-length BYTES        longer names get InvalidTopicName (default 1024)
      --max-name-length BYTES              subscription, producer and consumer names (default 1024)
      --max-schema-versions N              schema versions per topic (default 100)
      --max-pending-bytes-per-connection BYTES
                                           unsent bytes before dispatch to a connection pauses (default 1048576)
      --admin-request-timeout-seconds N    an admin request must arrive within N seconds (default 30)
      --max-admin-connections N            open admin HTTP connections (default 1024, 0 = none)
    """

/// Applies `flag` if it is a limit flag (reading its value from `reader`); false if it is not one.
func applyLimitFlag(_ flag: String, reader: inout ArgumentReader, to limits: inout EmulatorLimits) -> Bool {
    func number(_ minimum: Int) -> Int {
        let text = reader.value(for: flag)
        guard let value = Int(text), value >= minimum else {
            fail("\(flag) needs a whole number >= \(minimum), got '\(text)'", usage: reader.usage)
        }
        return value
    }
    switch flag {
    case "--max-connections": limits.maxConnections = number(0)
    case "--max-producers-per-connection": limits.maxProducersPerConnection = number(0)
    case "--max-consumers-per-connection": limits.maxConsumersPerConnection = number(0)
    case "--max-partitions-per-topic": limits.maxPartitionsPerTopic = number(0)
    case "--max-topic-name-length": limits.maxTopicNameLength = number(1)
    case "--max-name-length": limits.maxNameLength = number(1)
    case "--max-schema-versions": limits.maxSchemaVersionsPerTopic = number(1)
    case "--max-pending-bytes-per-connection": limits.maxPendingBytesPerConnection = number(1)
    case "--admin-request-timeout-seconds": limits.adminRequestTimeout = .seconds(number(1))
    case "--max-admin-connections": limits.maxAdminConnections = number(0)
    default: return false
    }
    return true
}
