#!/usr/bin/env python3
"""Decode-only pretty printer for Pulsar frames (analysis aid for the capture scripts).

This is NOT an encoder and is never used to produce fixture bytes.  It turns a frame into
a nested dict with field names so the capture driver can pick frames (e.g. "the SUBSCRIBE
whose subType is Shared") and so humans can read what was captured:

    python3 pulsar_decode.py Fixtures/frames/client-send-batched-lz4.hex
    python3 pulsar_decode.py --jsonl .build/frames.jsonl      # every frame of a proxy log
    python3 pulsar_decode.py --verify Fixtures/frames          # structural self-check

Field tables follow the protocol description in scripts/codegen/pulsar-api.spec (Apache Pulsar's PulsarApi.proto).
Unknown fields are shown as "#<n>". Standard library only (zlib is the only codec it can
expand; LZ4/ZSTD/SNAPPY payloads are shown compressed).
"""

from __future__ import annotations

import json
import struct
import sys
import zlib

from record_proxy import COMMAND_NAMES, iter_fields

U, I32, I64, B, S, Y, D = "u", "i32", "i64", "b", "s", "y", "d"

ENUMS = {
    "CompressionType": {0: "NONE", 1: "LZ4", 2: "ZLIB", 3: "ZSTD", 4: "SNAPPY"},
    "SubType": {0: "Exclusive", 1: "Shared", 2: "Failover", 3: "Key_Shared"},
    "InitialPosition": {0: "Latest", 1: "Earliest"},
    "AckType": {0: "Individual", 1: "Cumulative"},
    "LookupType": {0: "Redirect", 1: "Connect", 2: "Failed"},
    "PMType": {0: "Success", 1: "Failed"},
    "AccessMode": {0: "Shared", 1: "Exclusive", 2: "WaitForExclusive", 3: "ExclusiveWithFencing"},
    "SchemaType": {0: "None", 1: "String", 2: "Json", 3: "Protobuf", 4: "Avro", 5: "Bool",
                   6: "Int8", 7: "Int16", 8: "Int32", 9: "Int64", 10: "Float", 11: "Double",
                   12: "Date", 13: "Time", 14: "Timestamp", 15: "KeyValue", 16: "Instant",
                   17: "LocalDate", 18: "LocalTime", 19: "LocalDateTime", 20: "ProtobufNative",
                   21: "AutoConsume"},
    "KeySharedMode": {0: "AUTO_SPLIT", 1: "STICKY"},
    "NsMode": {0: "PERSISTENT", 1: "NON_PERSISTENT", 2: "ALL"},
    "AuthMethod": {0: "AuthMethodNone", 1: "AuthMethodYcaV1", 2: "AuthMethodAthens"},
    "ServerError": {0: "UnknownError", 1: "MetadataError", 2: "PersistenceError",
                    3: "AuthenticationError", 4: "AuthorizationError", 5: "ConsumerBusy",
                    6: "ServiceNotReady", 7: "ProducerBlockedQuotaExceededError",
                    8: "ProducerBlockedQuotaExceededException", 9: "ChecksumError",
                    10: "UnsupportedVersionError", 11: "TopicNotFound",
                    12: "SubscriptionNotFound", 13: "ConsumerNotFound", 14: "TooManyRequests",
                    15: "TopicTerminatedError", 16: "ProducerBusy", 17: "InvalidTopicName",
                    18: "IncompatibleSchema", 19: "ConsumerAssignError",
                    20: "TransactionCoordinatorNotFound", 21: "InvalidTxnStatus",
                    22: "NotAllowedError", 23: "TransactionConflict",
                    24: "TransactionNotFound", 25: "ProducerFenced"},
}


def E(name):
    return ("enum", name)


def R(t):
    return ("rep", t)


MSGS = {
    "MessageIdData": {1: ("ledgerId", U), 2: ("entryId", U), 3: ("partition", I32),
                      4: ("batch_index", I32), 5: ("ack_set", R(I64)), 6: ("batch_size", I32),
                      7: ("first_chunk_message_id", "MessageIdData")},
    "KeyValue": {1: ("key", S), 2: ("value", S)},
    "KeyLongValue": {1: ("key", S), 2: ("value", U)},
    "IntRange": {1: ("start", I32), 2: ("end", I32)},
    "FeatureFlags": {1: ("supports_auth_refresh", B), 2: ("supports_broker_entry_metadata", B),
                     3: ("supports_partial_producer", B), 4: ("supports_topic_watchers", B),
                     5: ("supports_get_partitioned_metadata_without_auto_creation", B)},
    "Schema": {1: ("name", S), 3: ("schema_data", Y), 4: ("type", E("SchemaType")),
               5: ("properties", R("KeyValue"))},
    "KeySharedMeta": {1: ("keySharedMode", E("KeySharedMode")), 3: ("hashRanges", R("IntRange")),
                      4: ("allowOutOfOrderDelivery", B)},
    "AuthData": {1: ("auth_method_name", S), 2: ("auth_data", Y)},
    "EncryptionKeys": {1: ("key", S), 2: ("value", Y), 3: ("metadata", R("KeyValue"))},
    "CONNECT": {1: ("client_version", S), 2: ("auth_method", E("AuthMethod")), 3: ("auth_data", Y),
                4: ("protocol_version", I32), 5: ("auth_method_name", S),
                6: ("proxy_to_broker_url", S), 7: ("original_principal", S),
                8: ("original_auth_data", S), 9: ("original_auth_method", S),
                10: ("feature_flags", "FeatureFlags"), 11: ("proxy_version", S)},
    "CONNECTED": {1: ("server_version", S), 2: ("protocol_version", I32),
                  3: ("max_message_size", I32), 4: ("feature_flags", "FeatureFlags")},
    "AUTH_CHALLENGE": {1: ("server_version", S), 2: ("challenge", "AuthData"),
                       3: ("protocol_version", I32)},
    "AUTH_RESPONSE": {1: ("client_version", S), 2: ("response", "AuthData"),
                      3: ("protocol_version", I32)},
    "PARTITIONED_METADATA": {1: ("topic", S), 2: ("request_id", U), 3: ("original_principal", S),
                             4: ("original_auth_data", S), 5: ("original_auth_method", S),
                             6: ("metadata_auto_creation_enabled", B)},
    "PARTITIONED_METADATA_RESPONSE": {1: ("partitions", U), 2: ("request_id", U),
                                      3: ("response", E("PMType")), 4: ("error", E("ServerError")),
                                      5: ("message", S)},
    "LOOKUP": {1: ("topic", S), 2: ("request_id", U), 3: ("authoritative", B),
               4: ("original_principal", S), 5: ("original_auth_data", S),
               6: ("original_auth_method", S), 7: ("advertised_listener_name", S),
               8: ("properties", R("KeyValue"))},
    "LOOKUP_RESPONSE": {1: ("brokerServiceUrl", S), 2: ("brokerServiceUrlTls", S),
                        3: ("response", E("LookupType")), 4: ("request_id", U),
                        5: ("authoritative", B), 6: ("error", E("ServerError")), 7: ("message", S),
                        8: ("proxy_through_service_url", B)},
    "PRODUCER": {1: ("topic", S), 2: ("producer_id", U), 3: ("request_id", U),
                 4: ("producer_name", S), 5: ("encrypted", B), 6: ("metadata", R("KeyValue")),
                 7: ("schema", "Schema"), 8: ("epoch", U), 9: ("user_provided_producer_name", B),
                 10: ("producer_access_mode", E("AccessMode")), 11: ("topic_epoch", U),
                 12: ("txn_enabled", B), 13: ("initial_subscription_name", S)},
    "PRODUCER_SUCCESS": {1: ("request_id", U), 2: ("producer_name", S),
                         3: ("last_sequence_id", I64), 4: ("schema_version", Y),
                         5: ("topic_epoch", U), 6: ("producer_ready", B)},
    "SEND": {1: ("producer_id", U), 2: ("sequence_id", U), 3: ("num_messages", I32),
             4: ("txnid_least_bits", U), 5: ("txnid_most_bits", U),
             6: ("highest_sequence_id", U), 7: ("is_chunk", B), 8: ("marker", B),
             9: ("message_id", "MessageIdData")},
    "SEND_RECEIPT": {1: ("producer_id", U), 2: ("sequence_id", U),
                     3: ("message_id", "MessageIdData"), 4: ("highest_sequence_id", U)},
    "SEND_ERROR": {1: ("producer_id", U), 2: ("sequence_id", U), 3: ("error", E("ServerError")),
                   4: ("message", S)},
    "SUBSCRIBE": {1: ("topic", S), 2: ("subscription", S), 3: ("subType", E("SubType")),
                  4: ("consumer_id", U), 5: ("request_id", U), 6: ("consumer_name", S),
                  7: ("priority_level", I32), 8: ("durable", B),
                  9: ("start_message_id", "MessageIdData"), 10: ("metadata", R("KeyValue")),
                  11: ("read_compacted", B), 12: ("schema", "Schema"),
                  13: ("initialPosition", E("InitialPosition")),
                  14: ("replicate_subscription_state", B), 15: ("force_topic_creation", B),
                  16: ("start_message_rollback_duration_sec", U),
                  17: ("keySharedMeta", "KeySharedMeta"),
                  18: ("subscription_properties", R("KeyValue")), 19: ("consumer_epoch", U)},
    "FLOW": {1: ("consumer_id", U), 2: ("messagePermits", U)},
    "MESSAGE": {1: ("consumer_id", U), 2: ("message_id", "MessageIdData"),
                3: ("redelivery_count", U), 4: ("ack_set", R(I64)), 5: ("consumer_epoch", U)},
    "ACK": {1: ("consumer_id", U), 2: ("ack_type", E("AckType")),
            3: ("message_id", R("MessageIdData")), 4: ("validation_error", U),
            5: ("properties", R("KeyLongValue")), 6: ("txnid_least_bits", U),
            7: ("txnid_most_bits", U), 8: ("request_id", U)},
    "ACK_RESPONSE": {1: ("consumer_id", U), 2: ("txnid_least_bits", U), 3: ("txnid_most_bits", U),
                     4: ("error", E("ServerError")), 5: ("message", S), 6: ("request_id", U)},
    "REDELIVER_UNACKNOWLEDGED_MESSAGES": {1: ("consumer_id", U),
                                          2: ("message_ids", R("MessageIdData")),
                                          3: ("consumer_epoch", U)},
    "UNSUBSCRIBE": {1: ("consumer_id", U), 2: ("request_id", U), 3: ("force", B)},
    "SUCCESS": {1: ("request_id", U), 2: ("schema", "Schema")},
    "ERROR": {1: ("request_id", U), 2: ("error", E("ServerError")), 3: ("message", S)},
    "CLOSE_PRODUCER": {1: ("producer_id", U), 2: ("request_id", U),
                       3: ("assignedBrokerServiceUrl", S), 4: ("assignedBrokerServiceUrlTls", S)},
    "CLOSE_CONSUMER": {1: ("consumer_id", U), 2: ("request_id", U),
                       3: ("assignedBrokerServiceUrl", S), 4: ("assignedBrokerServiceUrlTls", S)},
    "PING": {}, "PONG": {},
    "SEEK": {1: ("consumer_id", U), 2: ("request_id", U), 3: ("message_id", "MessageIdData"),
             4: ("message_publish_time", U)},
    "GET_LAST_MESSAGE_ID": {1: ("consumer_id", U), 2: ("request_id", U)},
    "GET_LAST_MESSAGE_ID_RESPONSE": {1: ("last_message_id", "MessageIdData"), 2: ("request_id", U),
                                     3: ("consumer_mark_delete_position", "MessageIdData")},
    "ACTIVE_CONSUMER_CHANGE": {1: ("consumer_id", U), 2: ("is_active", B)},
    "REACHED_END_OF_TOPIC": {1: ("consumer_id", U)},
    "GET_TOPICS_OF_NAMESPACE": {1: ("request_id", U), 2: ("namespace", S), 3: ("mode", E("NsMode")),
                                4: ("topics_pattern", S), 5: ("topics_hash", S)},
    "GET_TOPICS_OF_NAMESPACE_RESPONSE": {1: ("request_id", U), 2: ("topics", R(S)),
                                         3: ("filtered", B), 4: ("topics_hash", S), 5: ("changed", B)},
    "GET_SCHEMA": {1: ("request_id", U), 2: ("topic", S), 3: ("schema_version", Y)},
    "GET_SCHEMA_RESPONSE": {1: ("request_id", U), 2: ("error_code", E("ServerError")),
                            3: ("error_message", S), 4: ("schema", "Schema"),
                            5: ("schema_version", Y)},
    "GET_OR_CREATE_SCHEMA": {1: ("request_id", U), 2: ("topic", S), 3: ("schema", "Schema")},
    "GET_OR_CREATE_SCHEMA_RESPONSE": {1: ("request_id", U), 2: ("error_code", E("ServerError")),
                                      3: ("error_message", S), 4: ("schema_version", Y)},
    "CONSUMER_STATS": {1: ("request_id", U), 4: ("consumer_id", U)},
    "WATCH_TOPIC_LIST": {1: ("request_id", U), 2: ("watcher_id", U), 3: ("namespace", S),
                         4: ("topics_pattern", S), 5: ("topics_hash", S)},
    "MessageMetadata": {1: ("producer_name", S), 2: ("sequence_id", U), 3: ("publish_time", U),
                        4: ("properties", R("KeyValue")), 5: ("replicated_from", S),
                        6: ("partition_key", S), 7: ("replicate_to", R(S)),
                        8: ("compression", E("CompressionType")), 9: ("uncompressed_size", U),
                        11: ("num_messages_in_batch", I32), 12: ("event_time", U),
                        13: ("encryption_keys", R("EncryptionKeys")), 14: ("encryption_algo", S),
                        15: ("encryption_param", Y), 16: ("schema_version", Y),
                        17: ("partition_key_b64_encoded", B), 18: ("ordering_key", Y),
                        19: ("deliver_at_time", I64), 20: ("marker_type", I32),
                        22: ("txnid_least_bits", U), 23: ("txnid_most_bits", U),
                        24: ("highest_sequence_id", U), 25: ("null_value", B), 26: ("uuid", S),
                        27: ("num_chunks_from_msg", I32), 28: ("total_chunk_msg_size", I32),
                        29: ("chunk_id", I32), 30: ("null_partition_key", B)},
    "SingleMessageMetadata": {1: ("properties", R("KeyValue")), 2: ("partition_key", S),
                              3: ("payload_size", I32), 4: ("compacted_out", B),
                              5: ("event_time", U), 6: ("partition_key_b64_encoded", B),
                              7: ("ordering_key", Y), 8: ("sequence_id", U), 9: ("null_value", B),
                              10: ("null_partition_key", B)},
    "BrokerEntryMetadata": {1: ("broker_timestamp", U), 2: ("index", U)},
}


def _signed(v: int, bits: int) -> int:
    v &= (1 << 64) - 1
    if v >= 1 << 63:
        v -= 1 << 64
    return v


def _scalar(t, wt, val):
    if t in (U,):
        return val
    if t in (I32, I64):
        return _signed(val, 64)
    if t == B:
        return bool(val)
    if t == S:
        try:
            return val.decode("utf-8")
        except UnicodeDecodeError:
            return "hex:" + val.hex()
    if t == Y:
        try:
            txt = val.decode("utf-8")
            if txt.isprintable():
                return txt
        except UnicodeDecodeError:
            pass
        return "hex:" + val.hex()
    if t == D:
        return struct.unpack("<d", val)[0]
    if isinstance(t, tuple) and t[0] == "enum":
        return ENUMS[t[1]].get(val, val)
    return val


def decode_msg(name: str, buf: bytes) -> dict:
    spec = MSGS.get(name, {})
    out: dict = {}
    for fno, wt, val, _ in iter_fields(buf):
        fname, ftype = spec.get(fno, (f"#{fno}", None))
        rep = isinstance(ftype, tuple) and ftype[0] == "rep"
        t = ftype[1] if rep else ftype
        if t is None:
            v = val.hex() if isinstance(val, (bytes, bytearray)) else val
        elif isinstance(t, str) and t in MSGS:
            v = decode_msg(t, val)
        elif rep and wt == 2 and t in (U, I32, I64, B):  # packed repeated scalars
            v, pos, vals = None, 0, []
            from record_proxy import read_varint
            while pos < len(val):
                x, pos = read_varint(val, pos)
                vals.append(_scalar(t, 0, x))
            out.setdefault(fname, []).extend(vals)
            out.setdefault("_packed", []).append(fname)
            continue
        else:
            v = _scalar(t, wt, val)
        if rep:
            out.setdefault(fname, []).append(v)
        else:
            out[fname] = v
    return out


_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def decode_frame(frame: bytes) -> dict:
    total, cmd_size = struct.unpack(">II", frame[:8])
    out: dict = {"totalSize": total, "frameLen": len(frame), "commandSize": cmd_size}
    cmd = frame[8:8 + cmd_size]
    ctype = None
    for fno, wt, val, _ in iter_fields(cmd):
        if fno == 1 and wt == 0:
            ctype = val
    name = COMMAND_NAMES.get(ctype, f"UNKNOWN_{ctype}")
    out["command"] = name
    body = {}
    for fno, wt, val, _ in iter_fields(cmd):
        if fno == ctype and wt == 2:
            body = decode_msg(name, val)
        elif fno != 1:
            body.setdefault("_basecommand_extra", []).append(fno)
    out["fields"] = body
    rest = frame[8 + cmd_size:]
    if rest:
        pos = 0
        if rest[:2] == b"\x0e\x02":
            n = struct.unpack(">I", rest[2:6])[0]
            out["brokerEntryMetadata"] = decode_msg("BrokerEntryMetadata", rest[6:6 + n])
            pos = 6 + n
        if rest[pos:pos + 2] == b"\x0e\x01":
            crc = struct.unpack(">I", rest[pos + 2:pos + 6])[0]
            out["checksum"] = f"{crc:08x}"
            out["checksumValid"] = crc32c(rest[pos + 6:]) == crc
            pos += 6
        else:
            out["checksum"] = None
        msize = struct.unpack(">I", rest[pos:pos + 4])[0]
        meta_raw = rest[pos + 4:pos + 4 + msize]
        meta = decode_msg("MessageMetadata", meta_raw)
        out["metadataSize"] = msize
        out["metadata"] = meta
        payload = rest[pos + 4 + msize:]
        out["payloadLen"] = len(payload)
        comp = meta.get("compression", "NONE")
        plain = payload
        if comp == "ZLIB":
            plain = zlib.decompress(payload)
        elif comp not in ("NONE",):
            plain = None
        if plain is not None and "num_messages_in_batch" in meta:
            msgs, p = [], 0
            while p < len(plain):
                n = struct.unpack(">I", plain[p:p + 4])[0]
                smm = decode_msg("SingleMessageMetadata", plain[p + 4:p + 4 + n])
                ps = smm.get("payload_size", 0)
                data = plain[p + 4 + n:p + 4 + n + ps]
                smm["_payload"] = _short(data)
                msgs.append(smm)
                p += 4 + n + ps
            out["batch"] = msgs
        elif plain is not None:
            out["payload"] = _short(plain)
        else:
            out["payload"] = f"<{comp} compressed, {len(payload)} bytes>"
    return out


def _short(b: bytes) -> str:
    if len(b) > 64:
        return f"<{len(b)} bytes> " + repr(b[:32])
    return repr(b)


def read_hex_fixture(path: str) -> bytes:
    hexchars = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.lstrip().startswith("#"):
                continue
            hexchars.append("".join(line.split()))
    return bytes.fromhex("".join(hexchars))


def verify_dir(path: str) -> int:
    """Structural self-check of a fixture directory: framing sizes, header command name,
    CRC32C where a 0x0e01 section is present, hex line layout. Returns the number of problems."""
    import glob
    import os
    bad = 0
    for f in sorted(glob.glob(os.path.join(path, "*.hex"))):
        problems = []
        header_cmd = None
        for line in open(f, encoding="utf-8"):
            if line.startswith("# command:"):
                header_cmd = line.split(":", 1)[1].strip()
            elif not line.startswith("#") and len(line.rstrip("\n")) > 64:
                problems.append("hex line longer than 32 bytes")
        b = read_hex_fixture(f)
        total, cmd_size = struct.unpack(">II", b[:8])
        if total != len(b) - 4:
            problems.append(f"totalSize {total} != {len(b) - 4}")
        if cmd_size > total - 4:
            problems.append("commandSize too large")
        d = decode_frame(b)
        if d["command"] != header_cmd:
            problems.append(f"header says {header_cmd}, frame is {d['command']}")
        if d.get("checksum") is not None and not d.get("checksumValid"):
            problems.append("CRC32C mismatch")
        if problems:
            bad += 1
            print(f"BAD {os.path.basename(f)}: {'; '.join(problems)}")
    print(f"verified {path}: {bad} bad file(s)")
    return bad


def main(argv):
    if len(argv) >= 2 and argv[0] == "--verify":
        return 1 if verify_dir(argv[1]) else 0
    if len(argv) >= 2 and argv[0] == "--jsonl":
        for line in open(argv[1], encoding="utf-8"):
            r = json.loads(line)
            if "event" in r:
                print(f"#{r['seq']} conn{r['conn']} -- {r['event']}")
                continue
            d = decode_frame(bytes.fromhex(r["hex"]))
            arrow = "C>" if r["dir"] == "c2b" else "<B"
            print(f"#{r['seq']} conn{r['conn']} {arrow} {json.dumps(d, default=str)}")
        return 0
    for p in argv:
        print(p)
        print(json.dumps(decode_frame(read_hex_fixture(p)), indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
