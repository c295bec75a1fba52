#!/usr/bin/env python3
"""Capture golden Pulsar binary-protocol frames for the PulsarKit codec tests.

The frames come from REAL implementations only:
  * client->broker frames: the official Apache Pulsar client (PyPI `pulsar-client`,
    C++ core), driven through its Python API;
  * broker->client frames: pulsar-lite (PyPI `pulsar-lite`, a third-party Rust broker).
Nothing here encodes a Pulsar frame that ends up in a fixture.  The only bytes this tool
ever re-encodes are LOOKUP_RESPONSE frames forwarded by record_proxy.py (brokerServiceUrl
rewritten so the client stays on the proxy); the fixture always holds the original bytes.

Usage (from the repository root):

    python=$(scripts/interop-venv)   # .venv-interop/ with pulsar-client, pulsar-lite and fastavro
    "$python" scripts/capture/capture_fixtures.py                               # writes Fixtures/frames/
    "$python" scripts/capture/capture_fixtures.py --out .build/capture-frames --keep-work

Options: --out DIR (default <repo>/Fixtures/frames), --work DIR (broker data, proxy logs;
default a fresh temp dir), --keep-work (don't delete it), --only NAME[,NAME] (run only
some scenarios; README.md is then not rewritten), --skip-slow (skip the ~35 s keep-alive
scenario).

What it does: starts pulsar-lite brokers on free 127.0.0.1 ports (metrics endpoint
disabled via pulsar-lite.toml, because it would otherwise bind 0.0.0.0:8080), puts a
RecordingProxy (record_proxy.py) in front of each, runs the scenarios below with the
official client against the proxy URL, then picks frames from the proxy's record and
writes one fixture file per frame plus README.md.  Every process it starts is stopped at
the end.  The fixtures are meant to be generated once and committed; the Swift tests only
read them.  Re-running overwrites same-named files with fresh bytes (timestamps, ports and
generated names differ from run to run), and removes nothing else.

The proxy log (JSON lines, every frame of every connection) and a decoded transcript are
left in the work dir (see --keep-work) for inspection.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import importlib.metadata as md
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from record_proxy import RecordingProxy  # noqa: E402
from pulsar_decode import decode_frame  # noqa: E402

import pulsar  # noqa: E402
from pulsar.schema import AvroSchema, Integer, JsonSchema, Record, String, StringSchema  # noqa: E402

REPO = HERE.parent.parent
NS = "persistent://public/default"


def topic(name: str) -> str:
    return f"{NS}/fx-{name}"


def free_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_jwt() -> str:
    """A well-formed HS256 JWT (signed with a throw-away key; it is not a credential)."""
    def b64(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64(json.dumps({"sub": "pulsarkit-fixture"}, separators=(",", ":")).encode())
    sig = hmac.new(b"pulsarkit-fixture-not-a-secret", f"{header}.{payload}".encode(),
                   hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(sig)}"


class Greeting(Record):
    text = String()
    count = Integer()


# --------------------------------------------------------------------------- broker
class Broker:
    """One pulsar-lite process on 127.0.0.1:<free port> plus a RecordingProxy in front."""

    def __init__(self, name: str, workdir: Path, config: dict):
        from pulsar_lite.binary_finder import find_pulsar_lite_binary
        self.name = name
        self.dir = workdir / f"broker-{name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        lines = []
        for k, v in config.items():
            lines.append(f"{k} = {json.dumps(v)}")
        lines += ["", "[metrics]", "enabled = false", ""]
        (self.dir / "pulsar-lite.toml").write_text("\n".join(lines))
        self.port = free_port()
        self.log = open(self.dir / "broker.log", "w")
        self.proc = subprocess.Popen(
            [find_pulsar_lite_binary(), "--config", str(self.dir / "pulsar-lite.toml"),
             "--addr", f"127.0.0.1:{self.port}", "--db-path", str(self.dir / "db"),
             "--log-level", "warn"],
            cwd=str(self.dir), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pulsar-lite exited early, see {self.dir}/broker.log")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.3).close()
                break
            except OSError:
                if time.time() > deadline:
                    self.stop()
                    raise RuntimeError("pulsar-lite did not start listening")
                time.sleep(0.1)
        self.proxy = RecordingProxy(("127.0.0.1", self.port), str(workdir / f"frames-{name}.jsonl"))
        self.proxy.start()
        self.url = self.proxy.url

    def stop(self):
        try:
            self.proxy.stop()
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


# --------------------------------------------------------------------------- capture
class Capture:
    def __init__(self, out: Path, workdir: Path):
        self.out = out
        self.workdir = workdir
        self.written: dict[str, dict] = {}     # file name -> info
        self.by_hex: dict[str, str] = {}       # frame hex -> file name
        self.missing: list[str] = []           # wanted but not observed
        self.dups: list[str] = []              # byte-identical to an already written fixture
        self.notes: list[str] = []             # scenario failures / client-side refusals
        self.clients: list = []
        self.broker: Broker | None = None
        self.start_seq = 0
        self.scenario = ""
        self.date = dt.date.today().isoformat()
        self.client_pkg = md.version("pulsar-client")
        self.lite_pkg = md.version("pulsar-lite")
        self.client_version = None   # from CONNECT.client_version
        self.server_version = None   # from CONNECTED.server_version

    # -- helpers used by scenarios
    def client(self, **kw):
        kw.setdefault("operation_timeout_seconds", 8)
        kw.setdefault("logger", pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
        c = pulsar.Client(self.broker.url, **kw)
        self.clients.append(c)
        return c

    def note(self, text: str):
        print(f"  note: {text}")
        self.notes.append(f"[{self.scenario}] {text}")

    def settle(self, seconds: float = 0.6):
        time.sleep(seconds)

    def begin(self, broker: Broker, name: str):
        self.broker = broker
        self.scenario = name
        self.start_seq = broker.proxy.mark(f"scenario {name} begin")
        print(f"== {name}")

    def end(self):
        for c in self.clients:
            try:
                c.close()
            except Exception:
                pass
        self.clients.clear()
        self.settle(0.5)
        self.broker.proxy.mark(f"scenario {self.scenario} end")

    def frames(self, direction: str, cmd: str, where=None):
        out = []
        for r in list(self.broker.proxy.records):
            if r["seq"] <= self.start_seq or "event" in r:
                continue
            if r["dir"] != direction or r["cmd"] != cmd:
                continue
            d = decode_frame(bytes.fromhex(r["hex"]))
            if where is None or where(d):
                out.append((r, d))
        return out

    def take(self, side: str, cmd: str, variant: str, desc: str, where=None, nth: int = 0,
             note: str | None = None) -> dict | None:
        """Write the nth matching frame of the current scenario as a fixture."""
        direction = "c2b" if side == "client" else "b2c"
        cands = self.frames(direction, cmd, where)
        src = "client" if side == "client" else "broker-pulsar-lite"
        fname = f"{src}-{cmd.lower().replace('_', '-')}" + (f"-{variant}" if variant else "") + ".hex"
        if len(cands) <= nth:
            self.missing.append(f"{fname}: {cmd} ({desc}) — not observed in scenario '{self.scenario}'")
            print(f"  MISSING {fname}")
            return None
        rec, dec = cands[nth]
        self._learn_versions()
        if rec["hex"] in self.by_hex:
            print(f"  dup {fname} == {self.by_hex[rec['hex']]}")
            self.dups.append(f"{fname} ({desc}) is byte-identical to `{self.by_hex[rec['hex']]}`")
            return dec
        self._write(fname, side, cmd, desc, rec, dec, note)
        return dec

    def _learn_versions(self):
        for r in list(self.broker.proxy.records):
            if self.client_version and self.server_version:
                return
            if r.get("cmd") == "CONNECT" and not self.client_version:
                self.client_version = decode_frame(bytes.fromhex(r["hex"]))["fields"].get("client_version")
            if r.get("cmd") == "CONNECTED" and not self.server_version:
                self.server_version = decode_frame(bytes.fromhex(r["hex"]))["fields"].get("server_version")

    def _write(self, fname, side, cmd, desc, rec, dec, note):
        hexs = rec["hex"]
        if side == "client":
            source = f"pulsar-client {self.client_pkg} ({self.client_version or 'Pulsar-CPP'}) via PyPI"
            direction = "client->broker"
            captured = (f"{self.date} with scripts/capture/capture_fixtures.py against "
                        f"pulsar-lite {self.lite_pkg}")
        else:
            source = (f"pulsar-lite {self.lite_pkg} (server_version "
                      f"{self.server_version or 'Pulsar-Lite'}) via PyPI")
            direction = "broker->client"
            captured = (f"{self.date} with scripts/capture/capture_fixtures.py, client "
                        f"pulsar-client {self.client_pkg}")
        summary = {k: v for k, v in dec.items()
                   if k in ("command", "fields", "checksum", "checksumValid", "metadata",
                            "payloadLen", "batch", "payload")}
        summ = json.dumps(summary, default=str, ensure_ascii=True)
        if len(summ) > 900:
            summ = summ[:900] + "...(truncated)"
        lines = [f"# source: {source}",
                 f"# direction: {direction}",
                 f"# command: {cmd}",
                 f"# scenario: {desc}",
                 f"# captured: {captured}",
                 f"# frame: {len(hexs) // 2} bytes",
                 ]
        if rec.get("rewritten"):
            lines.append("# note: original bytes; the capture proxy rewrote brokerServiceUrl in "
                         "transit (routing only)")
        if note:
            lines.append(f"# note: {note}")
        lines.append(f"# decoded (informational, scripts/capture/pulsar_decode.py): {summ}")
        body = [hexs[i:i + 64] for i in range(0, len(hexs), 64)]
        (self.out / fname).write_text("\n".join(lines + body) + "\n")
        self.written[fname] = {"cmd": cmd, "side": side, "desc": desc, "len": len(hexs) // 2}
        self.by_hex[hexs] = fname
        print(f"  wrote {fname} ({len(hexs) // 2} B)")


# --------------------------------------------------------------------------- scenarios
SCENARIOS = []


def scenario(name, broker="main", slow=False):
    def deco(fn):
        SCENARIOS.append((name, broker, slow, fn))
        return fn
    return deco


def rx(consumer, n, timeout_ms=5000):
    out = []
    for _ in range(n):
        out.append(consumer.receive(timeout_ms))
    return out


@scenario("basic")
def sc_basic(cap: Capture):
    c = cap.client()
    p = c.create_producer(topic("basic"))
    p.send(b"hello")
    p.send(b"hello-pulsarkit", partition_key="key-1",
           properties={"trace-id": "abc123", "origin": "fixture"}, event_timestamp=1700000000123)
    p.send(b"")
    p.close()
    cons = c.subscribe(topic("basic"), "fx-basic", initial_position=pulsar.InitialPosition.Earliest)
    for m in rx(cons, 3):
        cons.acknowledge(m)
    cap.settle(0.3)
    cons.close()
    c.close()
    cap.settle()
    cap.take("client", "CONNECT", "", "first frame of a connection, no authentication")
    cap.take("broker", "CONNECTED", "", "answer to a CONNECT without authentication")
    cap.take("client", "PARTITIONED_METADATA", "", "before creating a producer on a non-partitioned topic")
    cap.take("broker", "PARTITIONED_METADATA_RESPONSE", "", "non-partitioned topic (partitions 0)")
    cap.take("client", "LOOKUP", "", "topic lookup before creating a producer")
    cap.take("broker", "LOOKUP_RESPONSE", "", "Connect answer; brokerServiceUrl = broker's own listen address",
             note="the port in brokerServiceUrl is the random port pulsar-lite listened on")
    cap.take("client", "PRODUCER", "", "producer with default settings (no name, Shared access, no schema)")
    cap.take("broker", "PRODUCER_SUCCESS", "", "producer created, broker-generated producer name")
    cap.take("client", "SEND", "", "non-batched message b'hello', no key/properties",
             where=lambda d: d["payloadLen"] == 5)
    cap.take("client", "SEND", "key-properties-eventtime",
             "non-batched message with partition key 'key-1', 2 properties, event_time 1700000000123",
             where=lambda d: "partition_key" in d["metadata"])
    cap.take("client", "SEND", "empty-payload", "non-batched message with an empty payload",
             where=lambda d: d["payloadLen"] == 0)
    cap.take("broker", "SEND_RECEIPT", "", "receipt for the first message of a producer (sequence 0)")
    cap.take("broker", "SEND_RECEIPT", "sequence-2", "receipt for the third message (sequence 2)",
             where=lambda d: d["fields"].get("sequence_id") == 2)
    cap.take("client", "CLOSE_PRODUCER", "", "producer.close()")
    cap.take("broker", "MESSAGE", "key-properties-eventtime",
             "delivery of the message with partition key, 2 properties and event_time",
             where=lambda d: "partition_key" in d["metadata"])
    cap.take("broker", "MESSAGE", "empty-payload", "delivery of a message with an empty payload",
             where=lambda d: d["payloadLen"] == 0)
    cap.take("broker", "SUCCESS", "close-producer", "SUCCESS answering CLOSE_PRODUCER",
             nth=0)


@scenario("auth-token")
def sc_auth_token(cap: Capture):
    token = make_jwt()
    c = cap.client(authentication=pulsar.AuthenticationToken(token), operation_timeout_seconds=5)
    try:
        p = c.create_producer(topic("auth"))
        p.send(b"with-token")
        p.close()
    except Exception as e:
        cap.note(f"producer with token auth failed: {e!r}")
    c.close()
    cap.settle()
    cap.take("client", "CONNECT", "token",
             f"CONNECT with pulsar.AuthenticationToken (HS256 JWT for sub 'pulsarkit-fixture', "
             f"signed with a throw-away key)")
    d = cap.take("broker", "CONNECTED", "token", "answer to a CONNECT carrying a token")
    if d is None:
        cap.take("broker", "ERROR", "auth", "answer to a CONNECT carrying a token")


@scenario("producer-variants")
def sc_producer_variants(cap: Capture):
    c = cap.client()
    p1 = c.create_producer(topic("prod-named"), producer_name="fx-named-producer")
    p2 = c.create_producer(topic("prod-props"),
                           properties={"application": "pulsarkit", "owner": "fixtures"})
    p3 = c.create_producer(topic("prod-exclusive"), access_mode=pulsar.ProducerAccessMode.Exclusive)
    p4 = c.create_producer(topic("prod-fencing"),
                           access_mode=pulsar.ProducerAccessMode.ExclusiveWithFencing)
    # provoke errors: a second exclusive producer, and a duplicate producer name
    c2 = cap.client(operation_timeout_seconds=3)
    try:
        c2.create_producer(topic("prod-exclusive"), access_mode=pulsar.ProducerAccessMode.Exclusive)
        cap.note("second Exclusive producer on the same topic was ACCEPTED")
    except Exception as e:
        cap.note(f"second Exclusive producer refused: {e!r}")
    try:
        c2.create_producer(topic("prod-named"), producer_name="fx-named-producer")
        cap.note("duplicate producer name on the same topic was ACCEPTED")
    except Exception as e:
        cap.note(f"duplicate producer name refused: {e!r}")
    try:
        c2.create_producer(topic("prod-exclusive"))
        cap.note("Shared producer on a topic that has an Exclusive producer was ACCEPTED")
    except Exception as e:
        cap.note(f"Shared producer next to an Exclusive one refused: {e!r}")
    for p in (p1, p2, p3, p4):
        p.close()
    cap.end()
    cap.take("client", "PRODUCER", "named", "producer_name 'fx-named-producer'",
             where=lambda d: d["fields"].get("producer_name") == "fx-named-producer")
    cap.take("broker", "PRODUCER_SUCCESS", "named", "answer to the named producer (name echoed)",
             where=lambda d: d["fields"].get("producer_name") == "fx-named-producer")
    cap.take("client", "PRODUCER", "properties", "producer with properties application=pulsarkit, owner=fixtures",
             where=lambda d: "metadata" in d["fields"])
    cap.take("client", "PRODUCER", "exclusive", "producer access mode Exclusive",
             where=lambda d: d["fields"].get("producer_access_mode") == "Exclusive")
    cap.take("broker", "PRODUCER_SUCCESS", "exclusive", "answer to the first Exclusive producer",
             where=lambda d: True, nth=2)
    cap.take("client", "PRODUCER", "exclusive-with-fencing", "producer access mode ExclusiveWithFencing",
             where=lambda d: d["fields"].get("producer_access_mode") == "ExclusiveWithFencing")
    errs = cap.frames("b2c", "ERROR")
    for i, (r, d) in enumerate(errs[:3]):
        code = str(d["fields"].get("error", "x")).lower()
        cap.take("broker", "ERROR", f"producer-{code}",
                 f"refusal of a conflicting PRODUCER (second Exclusive producer / duplicate name): "
                 f"{d['fields'].get('message', '')!r}", nth=i)
    if not errs:
        cap.missing.append("broker ERROR ProducerBusy/ProducerFenced — pulsar-lite accepted a second "
                           "Exclusive producer and a duplicate producer name")


@scenario("send-large")
def sc_send_large(cap: Capture):
    c = cap.client()
    p = c.create_producer(topic("large"))
    payload = bytes((i * 31 + 7) & 0xFF for i in range(64 * 1024))
    p.send(payload)
    p.close()
    cap.end()
    cap.take("client", "SEND", "64kib", "non-batched 65536-byte binary payload (byte i = (31*i+7) mod 256)",
             where=lambda d: d["payloadLen"] == 65536)


COMPRESSIONS = [("none", pulsar.CompressionType.NONE), ("lz4", pulsar.CompressionType.LZ4),
                ("zlib", pulsar.CompressionType.ZLib), ("zstd", pulsar.CompressionType.ZSTD),
                ("snappy", pulsar.CompressionType.SNAPPY)]


def batch_payload(i: int) -> bytes:
    return (f"batched message {i} " + "pulsarkit " * 8).encode()


@scenario("batched")
def sc_batched(cap: Capture):
    c = cap.client()
    for name, comp in COMPRESSIONS:
        p = c.create_producer(topic(f"batch-{name}"), batching_enabled=True, batching_max_messages=3,
                              batching_max_publish_delay_ms=3000, compression_type=comp)
        for i in range(1, 4):
            p.send_async(batch_payload(i), None, partition_key=f"k{i}",
                         properties={"idx": str(i), "batch": name}, event_timestamp=1700000000000 + i)
        p.flush()
        p.close()
    # a "batch" of one message
    p = c.create_producer(topic("batch-single"), batching_enabled=True, batching_max_publish_delay_ms=50)
    p.send(b"lonely batched message", partition_key="solo")
    p.close()
    # non-batched but compressed
    p = c.create_producer(topic("lz4-single"), compression_type=pulsar.CompressionType.LZ4)
    p.send(b"compress me " * 20, partition_key="lz4")
    p.close()
    # consume everything back (Exclusive, Earliest); ack all (plain entry acks)
    for name, _ in COMPRESSIONS + [("single", None)]:
        cons = c.subscribe(topic(f"batch-{name}"), "fx-batch-reader",
                           initial_position=pulsar.InitialPosition.Earliest)
        msgs = rx(cons, 3 if name != "single" else 1)
        for m in msgs:
            cons.acknowledge(m)
        cap.settle(0.3)
        cons.close()
    cons = c.subscribe(topic("lz4-single"), "fx-lz4-reader", initial_position=pulsar.InitialPosition.Earliest)
    m = cons.receive(5000)
    assert m.data() == b"compress me " * 20
    cons.acknowledge(m)
    cap.settle(0.3)
    cons.close()
    cap.end()

    def comp_is(nm):
        want = {"none": "NONE", "lz4": "LZ4", "zlib": "ZLIB", "zstd": "ZSTD", "snappy": "SNAPPY"}[nm]
        return lambda d: (d["metadata"].get("compression", "NONE") == want
                          and d["metadata"].get("num_messages_in_batch") == 3)
    for name, _ in COMPRESSIONS:
        cap.take("client", "SEND", "batched" + ("" if name == "none" else f"-{name}"),
                 f"batch of 3 messages (keys k1..k3, properties idx/batch, event_time), "
                 f"compression {name.upper()}", where=comp_is(name))
        cap.take("broker", "MESSAGE", "batched" + ("" if name == "none" else f"-{name}"),
                 f"delivery of the 3-message batch compressed with {name.upper()}", where=comp_is(name))
    cap.take("client", "SEND", "batched-single", "batching enabled, a single message flushed alone",
             where=lambda d: d["metadata"].get("num_messages_in_batch") == 1
             or d["metadata"].get("partition_key") == "solo")
    cap.take("client", "SEND", "lz4", "non-batched message, LZ4 compressed (payload 'compress me ' x 20)",
             where=lambda d: d["metadata"].get("compression") == "LZ4"
             and "num_messages_in_batch" not in d["metadata"])
    cap.take("broker", "SEND_RECEIPT", "batched", "receipt for a 3-message batch",
             where=lambda d: True, nth=0)
    cap.take("client", "ACK", "batched-entry",
             "individual ACK of a batched entry after all 3 messages were acked (no batch-index ack)",
             where=lambda d: True, nth=0)


@scenario("delayed")
def sc_delayed(cap: Capture):
    c = cap.client()
    cons = c.subscribe(topic("delayed"), "fx-delayed-sub", consumer_type=pulsar.ConsumerType.Shared)
    p = c.create_producer(topic("delayed"))
    t0 = time.time()
    p.send(b"delayed by 2s", deliver_after=dt.timedelta(seconds=2))
    p.send(b"deliver at", deliver_at=int((time.time() + 2.5) * 1000))
    got = []
    for _ in range(2):
        m = cons.receive(10000)
        got.append((m.data(), round(time.time() - t0, 2)))
        cons.acknowledge(m)
    cap.note(f"delayed messages received at (s after send): {got}")
    p.close()
    cons.close()
    cap.end()
    cap.take("client", "SEND", "deliver-after", "non-batched message with deliver_after=2s (deliver_at_time set)",
             where=lambda d: d.get("payload") == repr(b"delayed by 2s"))
    cap.take("broker", "MESSAGE", "delayed", "delivery of the delayed message on a Shared subscription",
             where=lambda d: "deliver_at_time" in d["metadata"])


def produce(c, name, n, **kw):
    p = c.create_producer(topic(name), **kw)
    ids = [p.send(f"{name} message {i}".encode(), partition_key=f"key-{i % 2}") for i in range(n)]
    p.close()
    return ids


@scenario("subscribe-types")
def sc_subscribe_types(cap: Capture):
    c = cap.client()
    produce(c, "subs", 4)
    ex = c.subscribe(topic("subs"), "fx-exclusive", consumer_type=pulsar.ConsumerType.Exclusive,
                     initial_position=pulsar.InitialPosition.Earliest, consumer_name="fx-exclusive-consumer")
    msgs = rx(ex, 4)
    ex.acknowledge(msgs[0])
    cap.settle(0.4)
    ex.acknowledge(msgs[1])
    ex.acknowledge(msgs[2])
    cap.settle(0.4)
    ex.acknowledge_cumulative(msgs[3])
    cap.settle(0.4)
    # errors while the exclusive consumer is attached
    c2 = cap.client(operation_timeout_seconds=3)
    try:
        c2.subscribe(topic("subs"), "fx-exclusive")
        cap.note("second Exclusive consumer on an attached subscription was ACCEPTED")
    except Exception as e:
        cap.note(f"second Exclusive consumer refused: {e!r}")
    try:
        c2.subscribe(topic("subs"), "fx-exclusive", consumer_type=pulsar.ConsumerType.Shared)
        cap.note("Shared consumer on an attached Exclusive subscription was ACCEPTED")
    except Exception as e:
        cap.note(f"Shared consumer on an Exclusive subscription refused: {e!r}")
    sh = c.subscribe(topic("subs"), "fx-shared", consumer_type=pulsar.ConsumerType.Shared,
                     consumer_name="fx-shared-consumer", properties={"role": "worker", "zone": "a"},
                     receiver_queue_size=10)
    fo = c.subscribe(topic("subs"), "fx-failover", consumer_type=pulsar.ConsumerType.Failover,
                     consumer_name="fx-failover-a", initial_position=pulsar.InitialPosition.Earliest)
    fo2 = c.subscribe(topic("subs"), "fx-failover", consumer_type=pulsar.ConsumerType.Failover,
                      consumer_name="fx-failover-b", initial_position=pulsar.InitialPosition.Earliest)
    ks = c.subscribe(topic("subs"), "fx-key-shared", consumer_type=pulsar.ConsumerType.KeyShared,
                     initial_position=pulsar.InitialPosition.Earliest)
    ks2 = c.subscribe(topic("subs"), "fx-key-shared-sticky", consumer_type=pulsar.ConsumerType.KeyShared,
                      key_shared_policy=pulsar.ConsumerKeySharedPolicy(
                          pulsar.KeySharedMode.Sticky, allow_out_of_order_delivery=True,
                          sticky_ranges=[(0, 32767)]))
    try:
        m = fo.receive(3000)
        fo.acknowledge(m)
    except Exception:
        try:
            m = fo2.receive(3000)
        except Exception as e:
            cap.note(f"failover consumers received nothing: {e!r}")
    try:
        m = ks.receive(3000)
        ks.acknowledge(m)
    except Exception as e:
        cap.note(f"key_shared consumer received nothing: {e!r}")
    cap.settle(0.5)
    for x in (ex, sh, fo, fo2, ks, ks2):
        x.close()
    cap.end()
    cap.take("client", "SUBSCRIBE", "exclusive-earliest",
             "Exclusive subscription 'fx-exclusive', consumer_name set, initial position Earliest",
             where=lambda d: d["fields"].get("subscription") == "fx-exclusive")
    cap.take("broker", "SUCCESS", "subscribe", "SUCCESS answering a SUBSCRIBE", nth=0)
    cap.take("client", "FLOW", "", "initial permits (receiver_queue_size 1000) right after SUBSCRIBE",
             where=lambda d: d["fields"].get("messagePermits") == 1000)
    cap.take("client", "FLOW", "10", "initial permits of a consumer with receiver_queue_size 10",
             where=lambda d: d["fields"].get("messagePermits") == 10)
    cap.take("broker", "MESSAGE", "", "non-batched message delivered to an Exclusive consumer")
    cap.take("client", "ACK", "individual", "individual ACK of one non-batched message",
             where=lambda d: d["fields"].get("ack_type") == "Individual")
    cap.take("client", "ACK", "individual-grouped",
             "two individual acks issued back to back, grouped by the client into one ACK",
             where=lambda d: len(d["fields"].get("message_id", [])) > 1)
    cap.take("client", "ACK", "cumulative", "cumulative ACK up to the 4th message",
             where=lambda d: d["fields"].get("ack_type") == "Cumulative")
    cap.take("client", "SUBSCRIBE", "shared",
             "Shared subscription, consumer_name, properties role/zone, initial position Latest (default)",
             where=lambda d: d["fields"].get("subType") == "Shared"
             and d["fields"].get("subscription") == "fx-shared")
    cap.take("client", "SUBSCRIBE", "failover", "Failover subscription, consumer_name 'fx-failover-a'",
             where=lambda d: d["fields"].get("consumer_name") == "fx-failover-a")
    cap.take("client", "SUBSCRIBE", "key-shared", "Key_Shared subscription, default policy (AUTO_SPLIT)",
             where=lambda d: d["fields"].get("subscription") == "fx-key-shared")
    cap.take("client", "SUBSCRIBE", "key-shared-sticky",
             "Key_Shared subscription, STICKY range 0..32767, allow out-of-order delivery",
             where=lambda d: d["fields"].get("subscription") == "fx-key-shared-sticky")
    errs = cap.frames("b2c", "ERROR")
    for i, (r, d) in enumerate(errs[:3]):
        code = str(d["fields"].get("error", "x")).lower()
        cap.take("broker", "ERROR", f"subscribe-{code}",
                 f"refusal of a conflicting SUBSCRIBE: {d['fields'].get('message', '')!r}", nth=i)
    if not errs:
        cap.missing.append("broker ERROR ConsumerBusy — on a second Exclusive consumer (or a Shared one "
                           "on an attached Exclusive subscription) pulsar-lite closes the TCP connection "
                           "without sending any frame")
    acc = cap.frames("b2c", "ACTIVE_CONSUMER_CHANGE")
    if acc:
        cap.take("broker", "ACTIVE_CONSUMER_CHANGE", "active", "Failover/Exclusive active consumer notice",
                 where=lambda d: d["fields"].get("is_active") is True)
        cap.take("broker", "ACTIVE_CONSUMER_CHANGE", "inactive", "Failover standby consumer notice",
                 where=lambda d: d["fields"].get("is_active") is not True)
    else:
        cap.missing.append("broker ACTIVE_CONSUMER_CHANGE — pulsar-lite sent none for Failover subscriptions")
    cap.take("client", "CLOSE_CONSUMER", "", "consumer.close()")


@scenario("batch-index-ack")
def sc_batch_index_ack(cap: Capture):
    c = cap.client()
    p = c.create_producer(topic("bia"), batching_enabled=True, batching_max_messages=3,
                          batching_max_publish_delay_ms=3000)
    for i in range(3):
        p.send_async(f"bia {i}".encode(), None)
    p.flush()
    p.close()
    cons = c.subscribe(topic("bia"), "fx-bia", initial_position=pulsar.InitialPosition.Earliest,
                       batch_index_ack_enabled=True)
    msgs = rx(cons, 3)
    cons.acknowledge(msgs[1])
    cap.settle(0.5)
    cons.close()
    cap.settle(0.3)
    cons = c.subscribe(topic("bia"), "fx-bia", initial_position=pulsar.InitialPosition.Earliest,
                       batch_index_ack_enabled=True)
    got = []
    try:
        while True:
            got.append(cons.receive(2000).data())
    except Exception:
        pass
    cap.note(f"after batch-index ack of index 1 and reconnect, redelivered: {got}")
    cons.close()
    cap.end()
    cap.take("client", "ACK", "batch-index", "batch_index_ack_enabled consumer acks only index 1 of a 3-message batch",
             where=lambda d: any("ack_set" in m for m in d["fields"].get("message_id", [])))
    if cap.frames("b2c", "MESSAGE", lambda d: "ack_set" in d["fields"]):
        cap.take("broker", "MESSAGE", "redelivered-ack-set",
                 "redelivery of a partially acked batch to a new consumer (ack_set present)",
                 where=lambda d: "ack_set" in d["fields"])
    else:
        cap.missing.append("broker MESSAGE with ack_set — after a batch-index ACK pulsar-lite redelivered "
                           "nothing of the batch to the next consumer")


@scenario("nack-redeliver")
def sc_nack(cap: Capture):
    c = cap.client()
    produce(c, "nack", 2)
    sh = c.subscribe(topic("nack"), "fx-nack", consumer_type=pulsar.ConsumerType.Shared,
                     initial_position=pulsar.InitialPosition.Earliest, negative_ack_redelivery_delay_ms=200)
    m = sh.receive(5000)
    sh.negative_acknowledge(m)
    again = None
    for _ in range(4):
        x = sh.receive(5000)
        if x.redelivery_count() > 0:
            again = x
        sh.acknowledge(x)
        if again:
            break
    cap.note(f"nack redelivery observed: {again is not None}"
             + (f", redelivery_count={again.redelivery_count()}" if again else ""))
    cap.settle(0.5)
    sh.close()
    produce(c, "redeliver-all", 2)
    ex = c.subscribe(topic("redeliver-all"), "fx-redeliver-all", initial_position=pulsar.InitialPosition.Earliest)
    rx(ex, 2)
    ex.redeliver_unacknowledged_messages()
    try:
        again = rx(ex, 2)
        cap.note(f"redeliver_unacknowledged_messages(): got {[ (a.data(), a.redelivery_count()) for a in again]}")
    except Exception as e:
        cap.note(f"redeliver_unacknowledged_messages(): nothing redelivered ({e!r})")
    ex.close()
    cap.end()
    cap.take("client", "REDELIVER_UNACKNOWLEDGED_MESSAGES", "nack",
             "negative_acknowledge on a Shared consumer (nack delay 200 ms): explicit message id",
             where=lambda d: d["fields"].get("message_ids"))
    cap.take("client", "REDELIVER_UNACKNOWLEDGED_MESSAGES", "all",
             "consumer.redeliver_unacknowledged_messages() on an Exclusive consumer (no ids)",
             where=lambda d: not d["fields"].get("message_ids"))
    cap.take("broker", "MESSAGE", "redelivered", "redelivery after a nack (redelivery_count 1)",
             where=lambda d: d["fields"].get("redelivery_count", 0) > 0)


@scenario("unsubscribe")
def sc_unsubscribe(cap: Capture):
    c = cap.client()
    cons = c.subscribe(topic("unsub"), "fx-unsub")
    cons.unsubscribe()
    a = c.subscribe(topic("unsub"), "fx-unsub-shared", consumer_type=pulsar.ConsumerType.Shared)
    b = c.subscribe(topic("unsub"), "fx-unsub-shared", consumer_type=pulsar.ConsumerType.Shared)
    try:
        a.unsubscribe()
        cap.note("unsubscribe with another consumer attached was ACCEPTED")
    except Exception as e:
        cap.note(f"unsubscribe with another consumer attached refused: {e!r}")
    cap.end()
    cap.take("client", "UNSUBSCRIBE", "", "consumer.unsubscribe() of the only consumer")
    cap.take("broker", "SUCCESS", "unsubscribe", "SUCCESS answering UNSUBSCRIBE",
             where=lambda d: True, nth=1)
    if cap.frames("b2c", "ERROR"):
        cap.take("broker", "ERROR", "unsubscribe", "refusal of UNSUBSCRIBE while another consumer is attached")
    else:
        cap.missing.append("broker ERROR for UNSUBSCRIBE with another consumer attached — pulsar-lite "
                           "answered SUCCESS")


@scenario("seek")
def sc_seek(cap: Capture):
    c = cap.client()
    produce(c, "seek", 3)
    cons = c.subscribe(topic("seek"), "fx-seek", initial_position=pulsar.InitialPosition.Earliest)
    msgs = rx(cons, 3)
    first = msgs[0]
    cons.seek(first.message_id())
    try:
        again = cons.receive(5000)
        cap.note(f"after seek(message id of first) received {again.data()!r}")
    except Exception as e:
        cap.note(f"after seek(message id) nothing received: {e!r}")
    cap.settle(0.3)
    cons.seek(first.publish_timestamp())
    try:
        again = cons.receive(5000)
        cap.note(f"after seek(publish time of first) received {again.data()!r}")
    except Exception as e:
        cap.note(f"after seek(timestamp) nothing received: {e!r}")
    cons.close()
    cap.end()
    cap.take("client", "SEEK", "message-id", "consumer.seek(message id of the first message)",
             where=lambda d: "message_id" in d["fields"])
    cap.take("client", "SEEK", "timestamp", "consumer.seek(publish timestamp in ms)",
             where=lambda d: "message_publish_time" in d["fields"])
    cap.take("broker", "SUCCESS", "seek", "SUCCESS answering SEEK",
             where=lambda d: True, nth=1)
    cc = cap.frames("b2c", "CLOSE_CONSUMER")
    if cc:
        cap.take("broker", "CLOSE_CONSUMER", "seek", "broker-initiated CLOSE_CONSUMER after a SEEK")
    else:
        cap.missing.append("broker CLOSE_CONSUMER after SEEK — pulsar-lite does not disconnect consumers on seek")


@scenario("reader")
def sc_reader(cap: Capture):
    c = cap.client()
    empty = c.create_reader(topic("reader-empty"), pulsar.MessageId.earliest)
    try:
        cap.note(f"reader on an empty topic: has_message_available={empty.has_message_available()}")
    except Exception as e:
        cap.note(f"reader on an empty topic: has_message_available raised {e!r}")
    empty.close()
    ids = produce(c, "reader", 3)
    r1 = c.create_reader(topic("reader"), pulsar.MessageId.earliest)
    try:
        cap.note(f"reader(earliest) has_message_available={r1.has_message_available()}")
    except Exception as e:
        cap.note(f"reader(earliest) has_message_available raised {e!r}")
    r1.read_next(5000)
    r1.close()
    r2 = c.create_reader(topic("reader"), ids[1])
    try:
        cap.note(f"reader from the 2nd message's id: first read_next() = {r2.read_next(5000).data()!r}")
    except Exception as e:
        cap.note(f"reader from message id read nothing: {e!r}")
    r2.close()
    r3 = c.create_reader(topic("reader"), pulsar.MessageId.latest)
    r3.close()
    cons = c.subscribe(topic("reader"), "fx-last-id", initial_position=pulsar.InitialPosition.Earliest)
    m = cons.receive(5000)
    cons.acknowledge(m)
    cap.settle(0.3)
    try:
        cap.note(f"consumer.get_last_message_id() = {cons.get_last_message_id()}")
    except Exception as e:
        cap.note(f"consumer.get_last_message_id() raised {e!r}")
    cons.close()
    # non-persistent topic: GET_LAST_MESSAGE_ID and SEEK
    c3 = cap.client(operation_timeout_seconds=3)
    np = c3.create_reader("non-persistent://public/default/fx-np", pulsar.MessageId.earliest)
    try:
        cap.note(f"non-persistent reader: has_message_available={np.has_message_available()}")
    except Exception as e:
        cap.note(f"non-persistent reader: has_message_available raised {e!r}")
    try:
        np.seek(pulsar.MessageId.earliest)
        cap.note("non-persistent reader: seek(earliest) succeeded")
    except Exception as e:
        cap.note(f"non-persistent reader: seek(earliest) raised {e!r}")
    np.close()
    cap.end()
    cap.take("client", "SUBSCRIBE", "reader-earliest", "reader from MessageId.earliest (non-durable)",
             where=lambda d: d["fields"].get("durable") is False and d["fields"]["topic"].endswith("fx-reader")
             and d["fields"].get("start_message_id", {}).get("ledgerId") == 2**64 - 1)
    cap.take("client", "SUBSCRIBE", "reader-message-id", "reader from the 2nd message's id (non-durable)",
             where=lambda d: d["fields"].get("durable") is False and d["fields"]["topic"].endswith("fx-reader")
             and d["fields"].get("start_message_id", {}).get("ledgerId") not in (None, 2**64 - 1, 2**63 - 1))
    cap.take("client", "SUBSCRIBE", "reader-latest", "reader from MessageId.latest (non-durable)",
             where=lambda d: d["fields"].get("durable") is False
             and d["fields"].get("start_message_id", {}).get("ledgerId") == 2**63 - 1)
    cap.take("client", "GET_LAST_MESSAGE_ID", "", "reader.has_message_available()")
    for i, (r, d) in enumerate(cap.frames("b2c", "ERROR")[:3]):
        msg = d["fields"].get("message", "")
        variant = re.sub(r"[^a-z0-9]+", "-", msg.lower()).strip("-")[:40]
        cap.take("broker", "ERROR", variant, f"ERROR answering a request of a reader/consumer: {msg!r}", nth=i)
    cap.take("broker", "GET_LAST_MESSAGE_ID_RESPONSE", "", "last message id of a topic with 3 messages",
             where=lambda d: "consumer_mark_delete_position" not in d["fields"])
    if not cap.frames("b2c", "GET_LAST_MESSAGE_ID_RESPONSE",
                      lambda d: "consumer_mark_delete_position" in d["fields"]):
        cap.missing.append("GET_LAST_MESSAGE_ID_RESPONSE.consumer_mark_delete_position — pulsar-lite never "
                           "sets it (asked by a durable consumer after an ack)")
    if not cap.frames("b2c", "ERROR", lambda d: "non-persistent" in d["fields"].get("message", "")):
        cap.missing.append("broker ERROR for GET_LAST_MESSAGE_ID on a non-persistent topic — pulsar-lite "
                           "closes the TCP connection instead (its log: 'getLastMessageId is unsupported "
                           "for non-persistent subscriptions')")


@scenario("schema")
def sc_schema(cap: Capture):
    c = cap.client()
    ps = c.create_producer(topic("schema-string"), schema=StringSchema())
    ps.send("hello schema")
    pj = c.create_producer(topic("schema-json"), schema=JsonSchema(Greeting))
    pj.send(Greeting(text="hi", count=1))
    pa = c.create_producer(topic("schema-avro"), schema=AvroSchema(Greeting))
    pa.send(Greeting(text="hi", count=2))
    cs = c.subscribe(topic("schema-string"), "fx-schema", schema=StringSchema(),
                     initial_position=pulsar.InitialPosition.Earliest)
    cap.note(f"string-schema consumer got {cs.receive(5000).value()!r}")
    c2 = cap.client(operation_timeout_seconds=3)
    ca = c2.subscribe(topic("schema-avro"), "fx-schema-avro", schema=AvroSchema(Greeting),
                      initial_position=pulsar.InitialPosition.Earliest)
    try:
        cap.note(f"avro consumer decoded {ca.receive(5000).value().__dict__}")
    except Exception as e:
        cap.note(f"avro consumer failed: {e!r}")
    try:
        info = c2._client.get_schema_info(topic("schema-avro"), 0)
        cap.note(f"get_schema_info(avro topic, version 0): type={info.schema_type()}")
    except Exception as e:
        cap.note(f"get_schema_info(avro topic, version 0) failed: {e!r}")
    try:
        c2.create_producer(topic("schema-string"), schema=JsonSchema(Greeting))
        cap.note("JSON producer on a STRING-schema topic was ACCEPTED")
    except Exception as e:
        cap.note(f"JSON producer on a STRING-schema topic refused: {e!r}")
    for x in (ps, pj, pa, cs, ca):
        x.close()
    cap.end()
    cap.take("client", "PRODUCER", "schema-string", "producer with pulsar.schema.StringSchema()",
             where=lambda d: d["fields"].get("schema", {}).get("type") == "String")
    cap.take("client", "PRODUCER", "schema-json", "producer with JsonSchema(Greeting{text:string,count:int})",
             where=lambda d: d["fields"].get("schema", {}).get("type") == "Json")
    cap.take("client", "PRODUCER", "schema-avro", "producer with AvroSchema(Greeting{text:string,count:int})",
             where=lambda d: d["fields"].get("schema", {}).get("type") == "Avro")
    cap.take("client", "SEND", "schema-string", "message from a StringSchema producer",
             where=lambda d: d.get("payload") == repr(b"hello schema"))
    cap.take("client", "SUBSCRIBE", "schema-string", "consumer with StringSchema()",
             where=lambda d: d["fields"].get("schema", {}).get("type") == "String")
    cap.take("client", "SUBSCRIBE", "schema-avro", "consumer with AvroSchema(Greeting)",
             where=lambda d: d["fields"].get("schema", {}).get("type") == "Avro")
    cap.take("client", "GET_SCHEMA", "", "schema lookup without a version (AvroSchema consumer decoding a message)",
             where=lambda d: "schema_version" not in d["fields"])
    cap.take("client", "GET_SCHEMA", "version", "client.get_schema_info(topic, 0): schema_version = 8-byte big-endian 0",
             where=lambda d: "schema_version" in d["fields"])
    if not cap.frames("b2c", "GET_SCHEMA_RESPONSE"):
        cap.missing.append("broker GET_SCHEMA_RESPONSE — pulsar-lite does not answer GET_SCHEMA "
                           "(logs 'Unsupported command type: 34'); the client times out")
    errs = cap.frames("b2c", "ERROR")
    for i, (r, d) in enumerate(errs[:1]):
        cap.take("broker", "ERROR", "schema", f"refusal of a producer with an incompatible schema: "
                 f"{d['fields'].get('message', '')!r}", nth=i)
    if not errs:
        cap.missing.append("broker ERROR IncompatibleSchema — pulsar-lite accepted a JSON producer on a "
                           "topic created with a STRING schema")


@scenario("pattern")
def sc_pattern(cap: Capture):
    c = cap.client()
    for n in ("pat-a", "pat-b"):
        produce(c, n, 1)
    c2 = cap.client(operation_timeout_seconds=3)
    try:
        cons = c2.subscribe(re.compile(f"{NS}/fx-pat-.*"), "fx-pattern",
                            initial_position=pulsar.InitialPosition.Earliest)
        cap.note(f"pattern consumer received {cons.receive(5000).data()!r}")
        cons.close()
    except Exception as e:
        cap.note(f"pattern subscribe failed: {e!r}")
    cap.end()
    cap.take("client", "GET_TOPICS_OF_NAMESPACE", "", "regex consumer 'persistent://public/default/fx-pat-.*'")
    if cap.frames("b2c", "GET_TOPICS_OF_NAMESPACE_RESPONSE"):
        cap.take("broker", "GET_TOPICS_OF_NAMESPACE_RESPONSE", "", "topics list for the namespace")
    else:
        cap.missing.append("broker GET_TOPICS_OF_NAMESPACE_RESPONSE — pulsar-lite does not answer "
                           "GET_TOPICS_OF_NAMESPACE (logs 'Unsupported command type: 32'); the client "
                           "fails the pattern subscribe with LookupError after its operation timeout")


@scenario("limits", broker="limits")
def sc_limits(cap: Capture):
    c = cap.client()
    p = c.create_producer(topic("too-big"))
    p.send_async(bytes(8192), lambda res, mid: None)
    time.sleep(1.0)
    c.close()   # the C++ client reconnects and resends after SEND_ERROR; closing stops that
    c = cap.client()
    p = c.create_producer(topic("rate"))
    for i in range(3):
        p.send_async(f"rate {i}".encode(), lambda res, mid: None)
    time.sleep(1.0)
    c.close()
    cap.end()
    cap.take("broker", "SEND_ERROR", "message-too-large",
             "8 KiB message to a broker with max_message_size_bytes = 4096",
             where=lambda d: d["fields"].get("error") == "NotAllowedError")
    cap.take("broker", "SEND_ERROR", "rate-limited",
             "publish over the topic publish rate (publish_rate_messages_per_sec = 1)",
             where=lambda d: d["fields"].get("error") == "ServiceNotReady")


@scenario("listener-name")
def sc_listener(cap: Capture):
    c = cap.client(listener_name="internal")
    try:
        p = c.create_producer(topic("listener"))
        p.close()
    except Exception as e:
        cap.note(f"producer via listener_name failed: {e!r}")
    cap.end()
    cap.take("client", "LOOKUP", "listener-name", "LOOKUP from a client created with listener_name='internal'",
             where=lambda d: d["fields"].get("advertised_listener_name") == "internal")


@scenario("keepalive", broker="keepalive", slow=True)
def sc_keepalive(cap: Capture):
    c = cap.client()
    p = c.create_producer(topic("keepalive"))
    print("  idling 33 s so the C++ client's 30 s keep-alive timer fires ...")
    time.sleep(33)
    p.send(b"still alive")
    p.close()
    cap.end()
    cap.take("client", "PING", "", "client keep-alive (C++ default keepAliveIntervalInSeconds = 30)")
    cap.take("client", "PONG", "", "client answer to a broker PING")
    # pulsar-lite's PING/PONG are byte-identical to the client's; take() records them as duplicates
    cap.take("broker", "PING", "", "broker keep-alive (pulsar-lite keep_alive_interval_secs = 2)")
    cap.take("broker", "PONG", "", "broker answer to the client PING")


@scenario("partitioned", broker="partitioned")
def sc_partitioned(cap: Capture):
    c = cap.client()
    cap.note(f"get_topic_partitions: {c.get_topic_partitions(topic('parted'))}")
    p = c.create_producer(topic("parted"))
    for i in range(2):
        p.send(f"partitioned {i}".encode(), partition_key=f"pk-{i}")
    p.close()
    cons = c.subscribe(topic("parted"), "fx-parted", initial_position=pulsar.InitialPosition.Earliest)
    try:
        for _ in range(2):
            m = cons.receive(5000)
            cons.acknowledge(m)
    except Exception as e:
        cap.note(f"partitioned consume: {e!r}")
    cap.settle(0.3)
    cons.close()
    cap.end()
    cap.take("broker", "PARTITIONED_METADATA_RESPONSE", "partitioned",
             "topic auto-created as partitioned (pulsar-lite default_partitions = 2)",
             where=lambda d: d["fields"].get("partitions", 0) > 0)
    cap.take("client", "LOOKUP", "partition", "lookup of one partition ('...-partition-N')",
             where=lambda d: "-partition-" in d["fields"].get("topic", ""))
    cap.take("client", "PRODUCER", "partition", "producer on one partition of a partitioned topic",
             where=lambda d: "-partition-" in d["fields"].get("topic", ""))
    cap.take("broker", "SEND_RECEIPT", "partition", "receipt for a message sent to a partition",
             where=lambda d: d["fields"].get("message_id", {}).get("partition", -1) >= 0)
    cap.take("broker", "SEND_RECEIPT", "partition-any", "receipt for a message sent to a partition",
             where=lambda d: True)
    cap.take("client", "SUBSCRIBE", "partition", "subscribe to one partition of a partitioned topic",
             where=lambda d: "-partition-" in d["fields"].get("topic", ""))
    cap.take("broker", "MESSAGE", "partition", "message delivered from a partition", nth=0)


BROKERS = {
    "main": {},
    "keepalive": {"keep_alive_interval_secs": 2},
    "partitioned": {"default_partitions": 2},
    "limits": {"max_message_size_bytes": 4096, "publish_rate_messages_per_sec": 1},
}


# --------------------------------------------------------------------------- README
README_HEAD = """# Golden Pulsar frames

Real wire bytes captured from real implementations, for the PulsarKit codec tests
(decode each file, re-encode, compare bytes). **Never regenerate these from our own
encoder.** They were produced once by `scripts/capture/capture_fixtures.py` and are
committed; tests only read them.

## Provenance

| | |
|---|---|
| client->broker frames | PyPI `pulsar-client` {client_pkg} — official Apache Pulsar client, C++ core `{client_version}` |
| broker->client frames | PyPI `pulsar-lite` {lite_pkg} — third-party Rust broker, `CONNECTED.server_version` = `{server_version}` |
| extra | PyPI `fastavro` {fastavro} (only so the Python client can build an Avro schema) |
| captured | {date}, Linux x86_64, Python {py}, all traffic on 127.0.0.1 |
| how | pulsar-lite brokers on free loopback ports, `scripts/capture/record_proxy.py` in front (splits frames by the 4-byte size prefix and records each frame's exact bytes), scenarios driven through the client's Python API |

Regenerate (overwrites same-named files; timestamps, ports and generated names will differ):

```
python=$(scripts/interop-venv)    # .venv-interop/ with pulsar-client=={client_pkg}, pulsar-lite=={lite_pkg} and fastavro
"$python" scripts/capture/capture_fixtures.py        # --help for options
```

## File format

`<source>-<command>[-<variant>].hex` where source is `client` (official client) or
`broker-pulsar-lite`. Lines starting with `#` are comments (source, direction, command,
scenario, capture date, and an informational decode made by
`scripts/capture/pulsar_decode.py` — trust the bytes, not the decode). All other lines are
the frame as lowercase hex, 32 bytes per line; whitespace is insignificant. The bytes run
from the 4-byte `totalSize` through the end of the frame.

Caveats for tests: `LOOKUP_RESPONSE` files hold the broker's original bytes (its own random
listen port); during capture the proxy rewrote `brokerServiceUrl` in transit so the
client stayed on the proxy. Broker `MESSAGE` frames from pulsar-lite carry **no 0x0e01
checksum section** (pulsar-lite strips it; see `Fixtures/frames/wire-observations.md`), so a decoder must accept
both layouts and a re-encoder must preserve the absence.

## Files

| file | command | bytes | scenario |
|---|---|---|---|
"""


def write_readme(cap: Capture, scenarios_run: list[str]):
    try:
        fav = md.version("fastavro")
    except md.PackageNotFoundError:
        fav = "n/a"
    text = README_HEAD.format(client_pkg=cap.client_pkg, lite_pkg=cap.lite_pkg,
                              client_version=cap.client_version, server_version=cap.server_version,
                              fastavro=fav, date=cap.date, py=sys.version.split()[0])
    for f in sorted(cap.written, key=lambda n: (not n.startswith("client"), n)):
        w = cap.written[f]
        text += f"| `{f}` | {w['cmd']} | {w['len']} | {w['desc']} |\n"
    text += "\n## Not captured\n\n"
    text += UNSUPPORTED
    if cap.missing:
        text += "\nWanted by a scenario but not observed on the wire in this run:\n\n"
        for m in cap.missing:
            text += f"- {m}\n"
    if cap.dups:
        text += "\nNot written because byte-identical to a file above:\n\n"
        for d in cap.dups:
            text += f"- {d}\n"
    if cap.notes:
        text += "\n## Capture log (behaviour seen while capturing)\n\n"
        for n in cap.notes:
            text += f"- {n}\n"
    (cap.out / "README.md").write_text(text)


UNSUPPORTED = """Client side — not sent by the official C++ client 4.x, so no client fixture is possible with it:
GET_OR_CREATE_SCHEMA (libpulsar has no encoder for it; the C++ producer carries its schema
inside PRODUCER), WATCH_TOPIC_LIST* (the client does not set `supports_topic_watchers`;
pattern consumers poll GET_TOPICS_OF_NAMESPACE), AUTH_RESPONSE (only after an
AUTH_CHALLENGE, which pulsar-lite never sends), transactions (not exercised).
CONSUMER_STATS exists in the C++ core (`Consumer::getBrokerConsumerStats`) but the Python
binding does not expose it, so it was not reachable.

Broker side — never seen from pulsar-lite in these scenarios: AUTH_CHALLENGE,
ACK_RESPONSE (the client never sets ACK.request_id), ACTIVE_CONSUMER_CHANGE,
REACHED_END_OF_TOPIC, TOPIC_MIGRATED, CLOSE_PRODUCER/CLOSE_CONSUMER (broker-initiated),
GET_SCHEMA_RESPONSE, GET_OR_CREATE_SCHEMA_RESPONSE, GET_TOPICS_OF_NAMESPACE_RESPONSE,
CONSUMER_STATS_RESPONSE, and ERROR for ConsumerBusy / ProducerBusy / IncompatibleSchema
(details below).
"""


# --------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description="capture golden Pulsar frames (see module docstring)")
    ap.add_argument("--out", default=str(REPO / "Fixtures" / "frames"),
                    help="fixture directory (default: <repo>/Fixtures/frames)")
    ap.add_argument("--work", default=None,
                    help="work dir for broker data, proxy logs and transcripts (kept)")
    ap.add_argument("--keep-work", action="store_true", help="keep the temporary work dir")
    ap.add_argument("--only", default=None,
                    help="comma-separated scenario names; README.md is then not rewritten. "
                         "Scenarios: " + ", ".join(n for n, *_ in SCENARIOS))
    ap.add_argument("--skip-slow", action="store_true", help="skip the ~35 s keep-alive scenario")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="pulsar-capture-"))
    work.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else None
    cap = Capture(out, work)
    brokers: dict[str, Broker] = {}
    ran = []
    try:
        for name, bname, slow, fn in SCENARIOS:
            if only and name not in only:
                continue
            if slow and args.skip_slow:
                continue
            if bname not in brokers:
                brokers[bname] = Broker(bname, work, BROKERS[bname])
            cap.begin(brokers[bname], name)
            try:
                fn(cap)
            except Exception as e:
                cap.note(f"scenario aborted: {e!r}")
                traceback.print_exc()
            finally:
                cap.end()
            ran.append(name)
    finally:
        for b in brokers.values():
            b.stop()
    if only is None:
        write_readme(cap, ran)
    # decoded transcript for humans
    from pulsar_decode import main as dmain
    for bname in brokers:
        jl = work / f"frames-{bname}.jsonl"
        with open(work / f"transcript-{bname}.txt", "w") as f:
            old = sys.stdout
            sys.stdout = f
            try:
                dmain(["--jsonl", str(jl)])
            finally:
                sys.stdout = old
    from pulsar_decode import verify_dir
    verify_dir(str(out))
    print(f"\nwrote {len(cap.written)} fixtures to {out}; {len(cap.missing)} missing")
    for m in cap.missing:
        print("  missing:", m)
    for n in cap.notes:
        print("  note:", n)
    if args.keep_work or args.work:
        print(f"work dir kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
