#!/usr/bin/env python3
"""Loopback recording proxy for the Pulsar binary protocol.

Listens on 127.0.0.1 (port 0 = pick a free one unless --port is given), forwards every
accepted TCP connection to an upstream broker, splits both directions into frames using
the 4-byte big-endian total-size prefix, and appends one JSON line per frame to a log:

    {"seq": 17, "t": 12.345678, "conn": 3, "dir": "c2b" | "b2c",
     "type": 6, "cmd": "SEND", "hex": "<exact frame bytes>", "rewritten": false}

Only as much protobuf is parsed as is needed to name the command (BaseCommand field 1,
a varint).  The recorded "hex" is ALWAYS the original bytes as they came off the wire.

Routing fix (the only modification of traffic): the Pulsar client sends LOOKUP and then
opens a new connection to LOOKUP_RESPONSE.brokerServiceUrl, which would bypass the proxy.
Unless --no-rewrite is given, the proxy replaces brokerServiceUrl in LOOKUP_RESPONSE
frames (broker->client) by "pulsar://127.0.0.1:<proxy port>" before forwarding them; the
log keeps the original frame and marks it "rewritten": true.  (pulsar-lite 0.2.0 has no
advertised-address setting, so this is needed.)

Usage (standalone):
    python3 record_proxy.py --upstream 127.0.0.1:6650 --log .build/frames.jsonl [--port 0]
It prints "LISTENING <port>" on stdout once ready and runs until SIGTERM/SIGINT.
It can also be used in-process: RecordingProxy(...).start() (see capture_fixtures.py).
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import struct
import sys
import threading
import time

COMMAND_NAMES = {
    2: "CONNECT", 3: "CONNECTED", 4: "SUBSCRIBE", 5: "PRODUCER", 6: "SEND",
    7: "SEND_RECEIPT", 8: "SEND_ERROR", 9: "MESSAGE", 10: "ACK", 11: "FLOW",
    12: "UNSUBSCRIBE", 13: "SUCCESS", 14: "ERROR", 15: "CLOSE_PRODUCER",
    16: "CLOSE_CONSUMER", 17: "PRODUCER_SUCCESS", 18: "PING", 19: "PONG",
    20: "REDELIVER_UNACKNOWLEDGED_MESSAGES", 21: "PARTITIONED_METADATA",
    22: "PARTITIONED_METADATA_RESPONSE", 23: "LOOKUP", 24: "LOOKUP_RESPONSE",
    25: "CONSUMER_STATS", 26: "CONSUMER_STATS_RESPONSE", 27: "REACHED_END_OF_TOPIC",
    28: "SEEK", 29: "GET_LAST_MESSAGE_ID", 30: "GET_LAST_MESSAGE_ID_RESPONSE",
    31: "ACTIVE_CONSUMER_CHANGE", 32: "GET_TOPICS_OF_NAMESPACE",
    33: "GET_TOPICS_OF_NAMESPACE_RESPONSE", 34: "GET_SCHEMA", 35: "GET_SCHEMA_RESPONSE",
    36: "AUTH_CHALLENGE", 37: "AUTH_RESPONSE", 38: "ACK_RESPONSE",
    39: "GET_OR_CREATE_SCHEMA", 40: "GET_OR_CREATE_SCHEMA_RESPONSE",
    50: "NEW_TXN", 51: "NEW_TXN_RESPONSE", 52: "ADD_PARTITION_TO_TXN",
    53: "ADD_PARTITION_TO_TXN_RESPONSE", 54: "ADD_SUBSCRIPTION_TO_TXN",
    55: "ADD_SUBSCRIPTION_TO_TXN_RESPONSE", 56: "END_TXN", 57: "END_TXN_RESPONSE",
    58: "END_TXN_ON_PARTITION", 59: "END_TXN_ON_PARTITION_RESPONSE",
    60: "END_TXN_ON_SUBSCRIPTION", 61: "END_TXN_ON_SUBSCRIPTION_RESPONSE",
    62: "TC_CLIENT_CONNECT_REQUEST", 63: "TC_CLIENT_CONNECT_RESPONSE",
    64: "WATCH_TOPIC_LIST", 65: "WATCH_TOPIC_LIST_SUCCESS", 66: "WATCH_TOPIC_UPDATE",
    67: "WATCH_TOPIC_LIST_CLOSE", 68: "TOPIC_MIGRATED",
}

LOOKUP_RESPONSE = 24
MAX_FRAME = 64 * 1024 * 1024  # sanity bound; anything larger is treated as garbage


# ---------------------------------------------------------------- tiny protobuf helpers
def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = 0
    result = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise ValueError("varint too long")


def write_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def iter_fields(buf: bytes):
    """Yield (field_number, wire_type, value, raw_slice) for a protobuf message."""
    pos = 0
    while pos < len(buf):
        start = pos
        key, pos = read_varint(buf, pos)
        fno, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = read_varint(buf, pos)
        elif wt == 1:
            val = buf[pos:pos + 8]
            pos += 8
        elif wt == 2:
            ln, pos = read_varint(buf, pos)
            val = buf[pos:pos + ln]
            pos += ln
        elif wt == 5:
            val = buf[pos:pos + 4]
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wt}")
        if pos > len(buf):
            raise ValueError("truncated field")
        yield fno, wt, val, buf[start:pos]


def command_type(frame: bytes) -> int | None:
    """BaseCommand.type (field 1) of a complete frame, or None if unparsable."""
    try:
        cmd_size = struct.unpack(">I", frame[4:8])[0]
        cmd = frame[8:8 + cmd_size]
        for fno, wt, val, _ in iter_fields(cmd):
            if fno == 1 and wt == 0:
                return val
    except (ValueError, struct.error):
        pass
    return None


def rewrite_lookup_response(frame: bytes, new_url: str) -> bytes:
    """Return a copy of a LOOKUP_RESPONSE frame whose brokerServiceUrl is new_url.

    Routing only: field order is preserved, only lengths change. LOOKUP_RESPONSE is a
    simple command (no payload), so the frame is [total][cmdSize][BaseCommand]."""
    cmd_size = struct.unpack(">I", frame[4:8])[0]
    cmd = frame[8:8 + cmd_size]
    out = bytearray()
    for fno, wt, val, raw in iter_fields(cmd):
        if fno == LOOKUP_RESPONSE and wt == 2:
            sub = bytearray()
            for sfno, swt, sval, sraw in iter_fields(val):
                if sfno == 1 and swt == 2:  # brokerServiceUrl
                    enc = new_url.encode()
                    sub += write_varint((1 << 3) | 2) + write_varint(len(enc)) + enc
                else:
                    sub += sraw
            out += write_varint((fno << 3) | 2) + write_varint(len(sub)) + sub
        else:
            out += raw
    new_cmd = bytes(out)
    return struct.pack(">II", 4 + len(new_cmd), len(new_cmd)) + new_cmd


# ---------------------------------------------------------------- the proxy
class RecordingProxy:
    def __init__(self, upstream: tuple[str, int], log_path: str, port: int = 0,
                 rewrite_lookup: bool = True):
        self.upstream = upstream
        self.log_path = log_path
        self.rewrite_lookup = rewrite_lookup
        self._lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._lsock.bind(("127.0.0.1", port))
        self._lsock.listen(64)
        self.port = self._lsock.getsockname()[1]
        self.url = f"pulsar://127.0.0.1:{self.port}"
        self._log = open(log_path, "a", encoding="utf-8")
        self._lock = threading.Lock()
        self._seq = 0
        self._conn_id = 0
        self._t0 = time.monotonic()
        self._stopping = threading.Event()
        self._socks: set[socket.socket] = set()
        self._thread: threading.Thread | None = None
        self.records: list[dict] = []  # same dicts as the JSON lines, for in-process use

    # -- logging
    def _record(self, conn: int, direction: str, frame: bytes, rewritten: bool):
        ctype = command_type(frame)
        with self._lock:
            self._seq += 1
            rec = {
                "seq": self._seq,
                "t": round(time.monotonic() - self._t0, 6),
                "wall": time.time(),
                "conn": conn,
                "dir": direction,
                "type": ctype,
                "cmd": COMMAND_NAMES.get(ctype, f"UNKNOWN_{ctype}"),
                "len": len(frame),
                "rewritten": rewritten,
                "hex": frame.hex(),
            }
            self.records.append(rec)
            self._log.write(json.dumps(rec) + "\n")
            self._log.flush()

    def _event(self, conn: int, what: str):
        with self._lock:
            self._seq += 1
            rec = {"seq": self._seq, "t": round(time.monotonic() - self._t0, 6),
                   "wall": time.time(), "conn": conn, "event": what}
            self.records.append(rec)
            self._log.write(json.dumps(rec) + "\n")
            self._log.flush()
            return rec["seq"]

    def mark(self, what: str) -> int:
        """Write a marker line (conn 0) into the log; returns its sequence number."""
        return self._event(0, what)

    # -- pumping
    def _pump(self, conn: int, direction: str, src: socket.socket, dst: socket.socket):
        buf = bytearray()
        try:
            while not self._stopping.is_set():
                data = src.recv(65536)
                if not data:
                    break
                buf += data
                while len(buf) >= 4:
                    total = struct.unpack(">I", buf[:4])[0]
                    if total > MAX_FRAME:
                        # not Pulsar framing; forward raw and stop parsing
                        self._event(conn, f"{direction}: oversize/garbage frame size {total}")
                        dst.sendall(bytes(buf))
                        buf.clear()
                        break
                    if len(buf) < 4 + total:
                        break
                    frame = bytes(buf[:4 + total])
                    del buf[:4 + total]
                    out = frame
                    rewritten = False
                    if (self.rewrite_lookup and direction == "b2c"
                            and command_type(frame) == LOOKUP_RESPONSE):
                        try:
                            out = rewrite_lookup_response(frame, self.url)
                            rewritten = out != frame
                        except (ValueError, struct.error):
                            out = frame
                    self._record(conn, direction, frame, rewritten)
                    dst.sendall(out)
        except OSError:
            pass
        finally:
            if buf:
                self._event(conn, f"{direction}: {len(buf)} trailing bytes of an incomplete frame")
            self._event(conn, f"{direction}: closed")
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _handle(self, client: socket.socket):
        with self._lock:
            self._conn_id += 1
            conn = self._conn_id
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
            upstream.settimeout(None)
        except OSError as e:
            self._event(conn, f"upstream connect failed: {e}")
            client.close()
            return
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._socks.add(s)
        self._event(conn, "open")
        t1 = threading.Thread(target=self._pump, args=(conn, "c2b", client, upstream), daemon=True)
        t2 = threading.Thread(target=self._pump, args=(conn, "b2c", upstream, client), daemon=True)
        t1.start()
        t2.start()

    def serve_forever(self):
        self._lsock.settimeout(0.2)
        while not self._stopping.is_set():
            try:
                client, _ = self._lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            client.settimeout(None)
            self._handle(client)

    def start(self) -> "RecordingProxy":
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        try:
            self._lsock.close()
        except OSError:
            pass
        for s in list(self._socks):
            try:
                s.close()
            except OSError:
                pass
        if self._thread:
            self._thread.join(timeout=2)
        with self._lock:
            self._log.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--upstream", required=True, help="broker host:port, e.g. 127.0.0.1:6650")
    ap.add_argument("--log", required=True, help="JSON-lines output file (appended)")
    ap.add_argument("--port", type=int, default=0, help="listen port on 127.0.0.1 (0 = free)")
    ap.add_argument("--no-rewrite", action="store_true",
                    help="do not rewrite LOOKUP_RESPONSE.brokerServiceUrl")
    args = ap.parse_args(argv)
    host, port = args.upstream.rsplit(":", 1)
    proxy = RecordingProxy((host, int(port)), args.log, args.port, not args.no_rewrite)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    proxy.start()
    print(f"LISTENING {proxy.port}", flush=True)
    done.wait()
    proxy.stop()


if __name__ == "__main__":
    sys.exit(main())
