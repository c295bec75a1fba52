"""Hostile and buggy clients: the emulator must never crash, freeze, starve or corrupt what it stores.

Each test here reproduces a defect found by trying the emulator as an adversarial user would, and fails without
its fix. The official client is the referee of "still serves": after the abuse, a fresh official client connection
must produce and consume normally.
"""
import json
import resource
import socket
import time
import urllib.request

from conftest import Emulator


def low_descriptor_limit(limit):
    """A preexec_fn that lowers the child's open-file limit."""
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    return apply


def official_round_trip(emulator, topic, payload):
    client = emulator.client(operation_timeout_seconds=10, connection_timeout_ms=10_000)
    try:
        consumer = client.subscribe(topic, "after-flood")
        client.create_producer(topic).send(payload)
        message = consumer.receive(timeout_millis=10_000)
        consumer.acknowledge(message)
        return message.data()
    finally:
        client.close()


def test_a_descriptor_flood_leaves_the_emulator_accepting_once_it_has_passed():
    emulator = Emulator(preexec_fn=low_descriptor_limit(64))
    flood = []
    try:
        # Bare TCP connections on the binary port and unfinished HTTP requests on the admin port: no auth needed.
        admin_host, admin_port = emulator.admin_url[len("http://"):].rsplit(":", 1)
        for _ in range(100):
            flood.append(socket.create_connection((emulator.host, emulator.port), timeout=5))
        for _ in range(40):
            sock = socket.create_connection((admin_host, int(admin_port)), timeout=5)
            sock.sendall(b"GET /admin/v2/clusters HTTP/1.1\r\nHost: x\r\n")  # headers never finished
            flood.append(sock)
        for sock in flood:
            sock.close()
        flood = []
        assert official_round_trip(emulator, "persistent://public/default/after-flood", b"served") == b"served"
        with urllib.request.urlopen(f"{emulator.admin_url}/admin/v2/clusters", timeout=10) as response:
            assert response.read() == b'["standalone"]'
    finally:
        for sock in flood:
            sock.close()
        stderr = emulator.stop()
    assert "cannot accept connections" in stderr, "the flood never reached the descriptor limit"


def test_a_large_admin_answer_arrives_whole_when_the_client_asks_to_close():
    # 6,000 partitions with 900-byte names: a 5.5 MB topic list. urllib always sends `Connection: close`.
    name = "persistent://public/default/" + "p" * 900
    emulator = Emulator("--partitioned-topic", f"{name}:6000")
    try:
        for _ in range(3):
            with urllib.request.urlopen(f"{emulator.admin_url}/admin/v2/persistent/public/default", timeout=30) as response:
                topics = json.loads(response.read())
            assert len(topics) == 6000
            assert topics[0].startswith(name + "-partition-")
    finally:
        emulator.stop()
