"""Cross-client interop through the emulator: the Swift client (driven by pulsar-client-probe) against the official
Apache Pulsar client (PyPI pulsar-client), in both directions, over batches, every compression codec, keys and
properties. scripts/test builds the probe and sets $PULSARKIT_CLIENT_PROBE.
"""
import json
import os
import subprocess

import pulsar
import pytest

from conftest import readline_within

PROBE = os.environ.get("PULSARKIT_CLIENT_PROBE", ".build/debug/pulsar-client-probe")
CODECS = ["none", "lz4", "zlib", "zstd", "snappy"]
PYTHON_CODECS = {"none": pulsar.CompressionType.NONE, "lz4": pulsar.CompressionType.LZ4,
                 "zlib": pulsar.CompressionType.ZLib, "zstd": pulsar.CompressionType.ZSTD,
                 "snappy": pulsar.CompressionType.SNAPPY}
EVENT_TIME = 1_700_000_000_777


def run_probe(*args):
    """Runs the probe to completion and returns its JSON lines."""
    result = subprocess.run([PROBE, *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("batching", ["on", "off"])
@pytest.mark.parametrize("codec", CODECS)
def test_swift_producer_to_python_consumer(emulator, client, topic, batching, codec):
    consumer = client.subscribe(topic, "python", initial_position=pulsar.InitialPosition.Earliest)
    count = 25
    produced = run_probe("produce", "--url", emulator.url, "--topic", topic, "--count", str(count),
                         "--batching", batching, "--compression", codec, "--key", "swift-key",
                         "--property", "origin=swift", "--property", "codec=" + codec,
                         "--event-time", str(EVENT_TIME), "--prefix", "from-swift-" + "x" * 40 + "-")
    assert [p["index"] for p in produced] == list(range(count))
    messages = [consumer.receive(timeout_millis=10000) for _ in range(count)]
    for message in messages:
        consumer.acknowledge(message)
    assert [m.data().decode() for m in messages] == [f"from-swift-{'x' * 40}-{i}" for i in range(count)]
    assert all(m.partition_key() == "swift-key" for m in messages)
    assert all(m.properties() == {"origin": "swift", "codec": codec} for m in messages)
    assert all(m.event_timestamp() == EVENT_TIME for m in messages)
    # The ids the Swift producer got from its receipts are the ones the Python consumer sees.
    assert [(m.message_id().ledger_id(), m.message_id().entry_id(), m.message_id().batch_index()) for m in messages] == \
        [(p["ledger"], p["entry"], p["batch_index"]) for p in produced]
    if batching == "on":
        assert len({p["entry"] for p in produced}) < count, "batched into fewer entries"
    else:
        assert all(p["batch_index"] == -1 for p in produced)


@pytest.mark.parametrize("batching", [True, False])
@pytest.mark.parametrize("codec", CODECS)
def test_python_producer_to_swift_consumer(emulator, client, topic, batching, codec):
    count = 25
    probe = subprocess.Popen([PROBE, "consume", "--url", emulator.url, "--topic", topic, "--subscription", "swift",
                              "--count", str(count)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert json.loads(readline_within(probe.stdout, 30, "pulsar-client-probe ready")) == {"ready": True}
        producer = client.create_producer(topic, batching_enabled=batching, batching_max_messages=10,
                                          batching_max_publish_delay_ms=50, compression_type=PYTHON_CODECS[codec])
        ids = []
        for index in range(count):
            producer.send_async(f"from-python-{'y' * 40}-{index}".encode(),
                                lambda result, message_id: ids.append(message_id),
                                partition_key=f"k{index % 3}", properties={"origin": "python", "i": str(index)},
                                event_timestamp=EVENT_TIME + index)
        producer.flush()
        out, err = probe.communicate(timeout=60)
        assert probe.returncode == 0, err
    finally:
        if probe.poll() is None:
            probe.kill()
    received = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert [r["payload"] for r in received] == [f"from-python-{'y' * 40}-{i}" for i in range(count)]
    assert [r["key"] for r in received] == [f"k{i % 3}" for i in range(count)]
    assert [r["properties"] for r in received] == [{"origin": "python", "i": str(i)} for i in range(count)]
    assert [r["event_time"] for r in received] == [EVENT_TIME + i for i in range(count)]
    assert all(r["producer_name"] == producer.producer_name() for r in received)
    assert all(r["redelivery_count"] == 0 and r["topic"] == topic for r in received)
    assert sorted((r["ledger"], r["entry"], r["batch_index"]) for r in received) == \
        sorted((i.ledger_id(), i.entry_id(), i.batch_index()) for i in ids)
    if batching:
        assert len({r["entry"] for r in received}) < count, "batched into fewer entries"
