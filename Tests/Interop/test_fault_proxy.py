"""The fault proxy (`pulsar-emulator proxy`) between the official client and the emulator, driven through its
Toxiproxy-compatible API by toxiproxy-python, the Toxiproxy client from PyPI, unchanged."""
import subprocess

import pulsar
import pytest
import toxiproxy
from toxiproxy.api import APIConsumer
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists

from conftest import EMULATOR, QUIET, readline_within, receive_all, terminate


class ProxyProcess:
    """A running `pulsar-emulator proxy` in front of `upstream` (host:port)."""

    def __init__(self, upstream, *args):
        self.process = subprocess.Popen(
            [EMULATOR, "proxy", "--upstream", upstream, "--listen", "127.0.0.1:0", "--api-port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            ready = readline_within(self.process.stdout, 30, "pulsar-proxy ready")
            api = readline_within(self.process.stdout, 30, "pulsar-proxy api")
        except AssertionError:
            self.process.kill()
            raise
        assert ready.startswith("pulsar-proxy ready "), ready
        assert api.startswith("pulsar-proxy api "), api
        self.url = ready.split()[2]
        host_port = api.split()[2][len("http://"):]
        self.api_host, port = host_port.rsplit(":", 1)
        self.api_port = int(port)

    def stop(self):
        terminate(self.process)
        stderr = self.process.stderr.read()
        self.process.stdout.close()
        self.process.stderr.close()
        return stderr


@pytest.fixture
def proxy(emulator):
    instance = ProxyProcess(f"{emulator.host}:{emulator.port}")
    server = toxiproxy.Toxiproxy()
    server.update_api_consumer(instance.api_host, instance.api_port)
    instance.server = server
    yield instance
    assert "pulsar-proxy stopped" in instance.stop()


def proxied_client(proxy, **options):
    options.setdefault("operation_timeout_seconds", 10)
    options.setdefault("logger", QUIET)
    return pulsar.Client(proxy.url, **options)


def test_toxiproxy_python_sees_and_manages_the_proxy(proxy, emulator):
    server = proxy.server
    assert server.running()
    assert b"version" in server.version()
    pulsar_proxy = server.get_proxy("pulsar")
    assert pulsar_proxy is not None and pulsar_proxy.enabled
    assert pulsar_proxy.upstream == f"{emulator.host}:{emulator.port}"
    extra = server.create(upstream=f"{emulator.host}:{emulator.port}", name="second")
    assert extra.listen.startswith("127.0.0.1:") and not extra.listen.endswith(":0"), "the real port is reported"
    with pytest.raises(ProxyExists):
        server.create(upstream=f"{emulator.host}:{emulator.port}", name="second")
    extra.add_toxic(type="latency", attributes={"latency": 5, "jitter": 1})
    extra.add_toxic(type="bandwidth", stream="upstream", name="slow", toxicity=0.5, attributes={"rate": 1000})
    toxics = extra.toxics()
    assert set(toxics) == {"latency_downstream", "slow"}
    assert toxics["slow"].stream == "upstream" and toxics["slow"].toxicity == 0.5
    assert toxics["latency_downstream"].attributes == {"latency": 5, "jitter": 1}
    with pytest.raises(ProxyExists):   # 409, which toxiproxy-python maps to ProxyExists
        extra.add_toxic(type="latency", attributes={"latency": 5})
    with pytest.raises(InvalidToxic):
        extra.add_toxic(type="teleport")
    extra.destroy_toxic("slow")
    assert set(extra.toxics()) == {"latency_downstream"}
    server.reset()
    assert extra.toxics() == {}
    populated = server.populate([
        {"name": "second", "listen": extra.listen, "upstream": f"{emulator.host}:{emulator.port}"},
        {"name": "third", "listen": "127.0.0.1:0", "upstream": f"{emulator.host}:{emulator.port}"},
    ])
    assert [p.name for p in populated] == ["third"], "an unchanged proxy is kept, a new one created"
    assert set(server.proxies()) == {"pulsar", "second", "third"}
    server.destroy(server.get_proxy("third"))
    with pytest.raises(NotFound):
        APIConsumer.get("/proxies/third")


def test_official_client_traffic_goes_through_the_proxy(proxy, topic):
    client = proxied_client(proxy)
    producer = client.create_producer(topic, batching_enabled=False)
    probe = client.create_producer(topic + "-probe", batching_enabled=False, send_timeout_millis=1500)
    consumer = client.subscribe(topic, "s")
    producer.send(b"before")
    pulsar_proxy = proxy.server.get_proxy("pulsar")
    with pulsar_proxy.down():
        # Every connection ran through the proxy (the lookup answer was rewritten), so nothing gets through now.
        with pytest.raises(pulsar.PulsarException):
            probe.send(b"while-down")
    producer.send(b"after")   # waits (up to its 30 s send timeout) for the client to reconnect through the proxy
    assert [m.data() for m in receive_all(consumer, 2, timeout_millis=10_000)] == [b"before", b"after"]
    client.close()


def test_without_the_rewrite_the_official_client_bypasses_the_proxy(emulator, topic):
    instance = ProxyProcess(f"{emulator.host}:{emulator.port}", "--no-rewrite-lookups")
    try:
        server = toxiproxy.Toxiproxy()
        server.update_api_consumer(instance.api_host, instance.api_port)
        client = proxied_client(instance)
        producer = client.create_producer(topic, batching_enabled=False, send_timeout_millis=1500)
        producer.send(b"one")
        with server.get_proxy("pulsar").down():
            producer.send(b"still-works")   # the producer's connection goes straight to the broker it was told about
        client.close()
    finally:
        instance.stop()


def test_sliced_frames_are_reassembled_by_the_official_client(proxy, topic):
    pulsar_proxy = proxy.server.get_proxy("pulsar")
    pulsar_proxy.add_toxic(type="slicer", stream="downstream", attributes={"average_size": 3, "size_variation": 2, "delay": 0})
    pulsar_proxy.add_toxic(type="slicer", stream="upstream", attributes={"average_size": 3, "size_variation": 2, "delay": 0})
    client = proxied_client(proxy)
    producer = client.create_producer(topic, batching_enabled=False)
    consumer = client.subscribe(topic, "s")
    for index in range(30):
        producer.send(f"m{index}".encode())
    assert [m.data() for m in receive_all(consumer, 30)] == [f"m{i}".encode() for i in range(30)]
    client.close()


def test_a_reset_peer_is_survived_by_the_official_client(proxy, topic):
    pulsar_proxy = proxy.server.get_proxy("pulsar")
    client = proxied_client(proxy)
    producer = client.create_producer(topic, batching_enabled=False)
    consumer = client.subscribe(topic, "s")
    producer.send(b"before")
    pulsar_proxy.add_toxic(type="reset_peer", attributes={"timeout": 0})
    pulsar_proxy.destroy_toxic("reset_peer_downstream")
    producer.send(b"after")
    assert [m.data() for m in receive_all(consumer, 2, timeout_millis=10_000)] == [b"before", b"after"]
    client.close()
