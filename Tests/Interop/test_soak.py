"""Broker-level fuzz / soak: random, valid-looking command sequences from many raw connections against one emulator.

Afterwards the emulator must still be up, a fresh official-client connection must work, and messages stored before
the storm must read back byte for byte (payload, properties, ids) through the official client's reader.

The budget is PULSARKIT_SOAK_SECONDS (default 8; scripts/test uses the default). A failing run prints its seed;
PULSARKIT_SOAK_SEED=<seed> replays the same command choices (timing still varies).
"""
import os
import random
import socket
import struct
import threading
import time
import urllib.request

import pulsar

from conftest import Emulator
from wire import field_bytes, field_varint, fixture, frame

WITNESS = "persistent://public/default/soak-witness"
TOPICS = [WITNESS, "soak-a", "persistent://public/default/soak-b", "non-persistent://public/default/soak-c",
          "persistent://public/default/soak-p-partition-1", "soak-..", "persistent://other/ns/soak-d"]


def crc32c(data):
    """CRC32C (Castagnoli), bit-reflected, as Pulsar's payload checksum."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def payload_frame(type_number, sub_fields, metadata, payload, corrupt=False):
    """A frame with a payload section: command, magic 0x0e01, CRC32C, metadata size, metadata, payload."""
    command = field_varint(1, type_number) + field_bytes(type_number, sub_fields)
    checked = struct.pack(">I", len(metadata)) + metadata + payload
    checksum = crc32c(checked) ^ (1 if corrupt else 0)
    rest = b"\x0e\x01" + struct.pack(">I", checksum) + checked
    return struct.pack(">II", 4 + len(command) + len(rest), len(command)) + command + rest


def message_id(rng):
    ledger = rng.choice([0, 1, 2, 3, rng.randrange(1 << 40)])
    entry = rng.choice([0, 1, 5, 29, 30, 1000, (1 << 64) - 1, rng.randrange(1 << 20)])
    return field_varint(1, ledger) + field_varint(2, entry)


def random_frame(rng, ids):
    """One random, mostly well-formed command."""
    request = next(ids)
    topic = rng.choice(TOPICS).encode()
    producer, consumer = rng.randrange(1, 6), rng.randrange(1, 6)
    kind = rng.choices(
        ["producer", "send", "subscribe", "flow", "ack", "redeliver", "unsubscribe", "seek", "close", "lookup",
         "last", "ping", "garbage"],
        weights=[6, 20, 6, 10, 12, 4, 2, 2, 3, 4, 2, 3, 3])[0]
    if kind == "producer":
        name = field_bytes(4, f"soak-{rng.randrange(4)}".encode()) if rng.random() < 0.5 else b""
        return frame(5, field_bytes(1, topic) + field_varint(2, producer) + field_varint(3, request) + name)
    if kind == "send":
        metadata = field_bytes(1, b"soak") + field_varint(2, request) + field_varint(3, int(time.time() * 1000))
        if rng.random() < 0.1:
            metadata = metadata[:rng.randrange(len(metadata))]
        return payload_frame(6, field_varint(1, producer) + field_varint(2, request), metadata,
                             rng.randbytes(rng.randrange(0, 2000)), corrupt=rng.random() < 0.1)
    if kind == "subscribe":
        sub_type = rng.choice([0, 1, 2, 3, 99])
        return frame(4, field_bytes(1, topic) + field_bytes(2, rng.choice([b"s1", b"s2", b""])) +
                     field_varint(3, sub_type) + field_varint(4, consumer) + field_varint(5, request) +
                     field_varint(13, rng.choice([0, 1])))
    if kind == "flow":
        return frame(11, field_varint(1, consumer) + field_varint(2, rng.choice([1, 10, 1000, (1 << 32) - 1])))
    if kind == "ack":
        ids_field = b"".join(field_bytes(3, message_id(rng)) for _ in range(rng.randrange(1, 4)))
        receipt = field_varint(8, request) if rng.random() < 0.3 else b""
        return frame(10, field_varint(1, consumer) + field_varint(2, rng.choice([0, 1])) + ids_field + receipt)
    if kind == "redeliver":
        return frame(20, field_varint(1, consumer))
    if kind == "unsubscribe":
        return frame(12, field_varint(1, consumer) + field_varint(2, request))
    if kind == "seek":
        return frame(28, field_varint(1, consumer) + field_varint(2, request) + field_bytes(3, message_id(rng)))
    if kind == "close":
        if rng.random() < 0.5:
            return frame(15, field_varint(1, producer) + field_varint(2, request))
        return frame(16, field_varint(1, consumer) + field_varint(2, request))
    if kind == "lookup":
        return frame(rng.choice([21, 23]), field_bytes(1, topic) + field_varint(2, request))
    if kind == "last":
        return frame(29, field_varint(1, consumer) + field_varint(2, request))
    if kind == "ping":
        return frame(18)
    good = frame(18)
    return rng.choice([rng.randbytes(rng.randrange(1, 64)), good[:rng.randrange(1, len(good))],
                       b"\xff\xff\xff\xff" + rng.randbytes(8), struct.pack(">II", 12, 8) + rng.randbytes(8)])


def storm(emulator, seed, deadline, worker, counts):
    rng = random.Random(seed * 1000 + worker)
    ids = iter(range(1, 1 << 62))
    sock = None
    while time.monotonic() < deadline:
        try:
            if sock is None:
                sock = socket.create_connection((emulator.host, emulator.port), timeout=5)
                sock.setblocking(False)
                sock.sendall(fixture("client-connect.hex"))
            burst = b"".join(random_frame(rng, ids) for _ in range(rng.randrange(1, 20)))
            sock.setblocking(True)
            sock.settimeout(5)
            sock.sendall(burst)
            counts[worker] += 1
            sock.setblocking(False)
            if rng.random() < 0.8:  # sometimes leave answers unread, so the broker's backpressure is exercised
                try:
                    while sock.recv(1 << 16) and time.monotonic() < deadline:
                        pass
                except BlockingIOError:
                    pass
            if rng.random() < 0.03:
                sock.close()
                sock = None
        except (OSError, socket.timeout):
            if sock is not None:
                sock.close()
            sock = None
    if sock is not None:
        sock.close()


def test_random_command_storms_leave_the_emulator_up_and_stored_messages_intact():
    seed = int(os.environ.get("PULSARKIT_SOAK_SEED", random.randrange(1 << 32)))
    budget = float(os.environ.get("PULSARKIT_SOAK_SECONDS", "8"))
    emulator = Emulator("--retention", "forever", "--max-pending-bytes-per-connection", "65536")
    try:
        client = emulator.client()
        producer = client.create_producer(WITNESS, batching_enabled=False)
        witness = []
        for index in range(30):
            payload = os.urandom(64) + f"witness-{index}".encode()
            message_id = producer.send(payload, properties={"index": str(index)})
            witness.append((payload, str(message_id)))
        client.close()

        deadline = time.monotonic() + budget
        counts = [0] * 6
        threads = [threading.Thread(target=storm, args=(emulator, seed, deadline, worker, counts)) for worker in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=budget + 60)
        assert not any(thread.is_alive() for thread in threads), f"a storm worker hung (seed {seed})"
        assert emulator.process.poll() is None, f"the emulator died (seed {seed}): {emulator.stderr_so_far()[-2000:]}"
        assert sum(counts) > 50, f"the storm hardly ran: {counts}"

        client = emulator.client()
        try:
            reader = client.create_reader(WITNESS, pulsar.MessageId.earliest)
            for index, (payload, message_id) in enumerate(witness):
                message = reader.read_next(timeout_millis=10_000)
                assert message.data() == payload, f"witness {index} changed (seed {seed})"
                assert message.properties() == {"index": str(index)}, f"witness {index} properties changed (seed {seed})"
                assert str(message.message_id()) == message_id, f"witness {index} moved (seed {seed})"
            consumer = client.subscribe("persistent://public/default/after-storm", "s")
            client.create_producer("persistent://public/default/after-storm").send(b"still serving")
            assert consumer.receive(timeout_millis=10_000).data() == b"still serving"
        finally:
            client.close()
        with urllib.request.urlopen(f"{emulator.admin_url}/admin/v2/brokers/health", timeout=10) as response:
            assert response.read() == b"ok"
    finally:
        stderr = emulator.stop()
    assert "stopped" in stderr, f"the emulator did not stop cleanly (seed {seed}): {stderr[-2000:]}"
