"""The admin REST API and /metrics over real HTTP, together with the official client on the binary port."""
import json
import shutil
import socket
import subprocess
import urllib.error
import urllib.request

import pulsar
import pytest

from conftest import receive_all


class Admin:
    """A tiny admin client over urllib: answers (status, content type, body text)."""

    def __init__(self, base_url):
        self.base_url = base_url

    def call(self, method, path, body=None):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers.get("Content-Type"), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type"), error.read().decode()

    def json(self, method, path, body=None, expect=200):
        status, _, text = self.call(method, path, body)
        assert status == expect, f"{method} {path} → {status} {text}"
        return json.loads(text) if text else None

    def ok(self, method, path, body=None):
        status, _, text = self.call(method, path, body)
        assert status == 204, f"{method} {path} → {status} {text}"

    def error(self, method, path, body=None):
        status, content_type, text = self.call(method, path, body)
        assert content_type == "application/json", (status, text)
        return status, json.loads(text)["reason"]


@pytest.fixture
def admin(emulator):
    return Admin(emulator.admin_url)


def rest_path(topic):
    """`persistent://public/default/t` → `/admin/v2/persistent/public/default/t`."""
    domain, rest = topic.split("://")
    return f"/admin/v2/{domain}/{rest}"


def test_health_checks_answer_like_a_standalone_broker(admin):
    assert admin.json("GET", "/admin/v2/clusters") == ["standalone"]
    assert admin.json("GET", "/admin/v2/clusters/standalone")["brokerServiceUrl"].startswith("pulsar://")
    assert {"public", "pulsar"} <= set(admin.json("GET", "/admin/v2/tenants"))
    assert "public/default" in admin.json("GET", "/admin/v2/namespaces/public")
    assert "pulsar/system" in admin.json("GET", "/admin/v2/namespaces/pulsar")
    assert admin.call("GET", "/admin/v2/brokers/health")[::2] == (200, "ok")
    assert admin.call("GET", "/admin/v2/brokers/ready")[::2] == (200, "ok")
    assert admin.call("GET", "/status.html")[::2] == (200, "OK")
    status, content_type, _ = admin.call("GET", "/metrics/")
    assert (status, content_type) == (200, "text/plain; version=0.0.4; charset=utf-8")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_from_a_shell_like_a_compose_health_check(emulator):
    done = subprocess.run(f"curl -sf {emulator.admin_url}/admin/v2/clusters", shell=True, capture_output=True,
                          text=True, timeout=10)
    assert (done.returncode, done.stdout) == (0, '["standalone"]')
    missing = subprocess.run(["curl", "-sf", f"{emulator.admin_url}/admin/v2/no-such-thing"], capture_output=True,
                             timeout=10)
    assert missing.returncode == 22   # curl -f: the server answered with an HTTP error


def test_partitioned_topic_created_over_rest_takes_the_official_clients_messages(admin, client, topic):
    admin.ok("PUT", rest_path(topic) + "/partitions", 3)
    assert admin.json("GET", rest_path(topic) + "/partitions")["partitions"] == 3
    assert topic in admin.json("GET", "/admin/v2/persistent/public/default/partitioned")
    listed = admin.json("GET", "/admin/v2/persistent/public/default")
    assert [f"{topic}-partition-{index}" in listed for index in range(3)] == [True] * 3
    assert admin.error("PUT", rest_path(topic) + "/partitions", 3) == (409, "Partitioned topic already exists")

    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(30):
        producer.send(str(index).encode())
    received = sorted(int(message.data()) for message in receive_all(consumer, 30))
    assert received == list(range(30))

    stats = admin.json("GET", rest_path(topic) + "/partitioned-stats")
    assert stats["metadata"] == {"partitions": 3}
    assert stats["msgInCounter"] == 30
    assert stats["msgOutCounter"] == 30
    per_partition = [partition["msgInCounter"] for partition in stats["partitions"].values()]
    assert sum(per_partition) == 30 and len([count for count in per_partition if count > 0]) > 1
    assert admin.error("GET", rest_path(topic) + "/stats") == (404, f"Topic {topic} not found")

    admin.ok("POST", rest_path(topic) + "/partitions", 4)
    assert admin.json("GET", rest_path(topic) + "/partitions")["partitions"] == 4
    assert admin.json("GET", rest_path(topic) + "/subscriptions") == ["sub"]


def test_partition_counts_are_checked(admin, topic):
    assert admin.error("PUT", rest_path(topic) + "/partitions", 0)[0] == 406
    assert admin.error("PUT", rest_path(topic) + "/partitions", b"three")[0] == 400
    admin.ok("PUT", rest_path(topic) + "/partitions", 2)
    assert admin.error("POST", rest_path(topic) + "/partitions", 1)[0] == 409
    admin.ok("DELETE", rest_path(topic) + "/partitions")
    assert admin.error("GET", rest_path(topic) + "/partitioned-stats")[0] == 404


def test_non_partitioned_topic_create_list_delete(admin, client, topic):
    admin.ok("PUT", rest_path(topic))
    assert admin.error("PUT", rest_path(topic)) == (409, "This topic already exists")
    assert topic in admin.json("GET", "/admin/v2/persistent/public/default")
    assert admin.json("GET", rest_path(topic) + "/partitions")["partitions"] == 0
    producer = client.create_producer(topic)
    assert admin.error("DELETE", rest_path(topic)) == (412, "Topic has active producers/subscriptions")
    producer.close()
    admin.ok("DELETE", rest_path(topic))
    assert admin.error("GET", rest_path(topic) + "/stats") == (404, f"Topic {topic} not found")
    assert admin.error("DELETE", rest_path(topic))[0] == 404


def test_stats_follow_produced_consumed_and_acknowledged_messages(admin, client, topic):
    consumer = client.subscribe(topic, "sub", consumer_name="the-consumer")
    producer = client.create_producer(topic, producer_name="the-producer", batching_enabled=False)
    for index in range(5):
        producer.send(f"message-{index}".encode())
    messages = receive_all(consumer, 5, ack=False)

    stats = admin.json("GET", rest_path(topic) + "/stats")
    assert (stats["msgInCounter"], stats["msgOutCounter"]) == (5, 5)
    assert stats["bytesInCounter"] > 0 and stats["storageSize"] > 0
    assert [publisher["producerName"] for publisher in stats["publishers"]] == ["the-producer"]
    subscription = stats["subscriptions"]["sub"]
    assert (subscription["msgBacklog"], subscription["unackedMessages"], subscription["msgOutCounter"]) == (5, 5, 5)
    assert subscription["type"] == "Exclusive"
    assert [c["consumerName"] for c in subscription["consumers"]] == ["the-consumer"]
    assert subscription["consumers"][0]["msgOutCounter"] == 5

    consumer.acknowledge(messages[0])
    consumer.acknowledge(messages[1])
    consumer.acknowledge(messages[3])
    consumer.close()   # flushes the client's grouped acknowledgements before CLOSE_CONSUMER
    subscription = admin.json("GET", rest_path(topic) + "/stats")["subscriptions"]["sub"]
    assert (subscription["msgBacklog"], subscription["unackedMessages"], subscription["consumers"]) == (2, 0, [])

    internal = admin.json("GET", rest_path(topic) + "/internalStats")
    ledger = messages[0].message_id().ledger_id()
    assert internal["entriesAddedCounter"] == 5
    assert internal["lastConfirmedEntry"] == f"{ledger}:4"
    cursor = internal["cursors"]["sub"]
    assert cursor["markDeletePosition"] == f"{ledger}:1"
    assert cursor["individuallyDeletedMessages"] == f"[({ledger}:2..{ledger}:3]]"
    assert cursor["messagesConsumedCounter"] == 3


def test_subscription_created_over_rest_at_earliest_sees_earlier_messages(admin, client, topic):
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(3):
        producer.send(f"early-{index}".encode())
    admin.ok("PUT", rest_path(topic) + "/subscription/from-start", {"ledgerId": -1, "entryId": -1, "partitionIndex": -1})
    admin.ok("PUT", rest_path(topic) + "/subscription/at-latest")
    assert admin.error("PUT", rest_path(topic) + "/subscription/at-latest") == (409, "Subscription already exists for topic")
    assert admin.json("GET", rest_path(topic) + "/subscriptions") == ["at-latest", "from-start"]
    assert admin.json("GET", rest_path(topic) + "/stats")["subscriptions"]["from-start"]["msgBacklog"] == 3

    from_start = client.subscribe(topic, "from-start")
    at_latest = client.subscribe(topic, "at-latest")
    producer.send(b"new")
    assert [m.data() for m in receive_all(from_start, 4)] == [b"early-0", b"early-1", b"early-2", b"new"]
    assert at_latest.receive(timeout_millis=5000).data() == b"new"


def test_subscription_created_at_a_message_id_starts_there(admin, client, topic):
    producer = client.create_producer(topic, batching_enabled=False)
    ids = [producer.send(f"m{index}".encode()) for index in range(4)]
    admin.ok("PUT", rest_path(topic) + "/subscription/from-two",
             {"ledgerId": ids[2].ledger_id(), "entryId": ids[2].entry_id(), "partitionIndex": -1})
    consumer = client.subscribe(topic, "from-two")
    assert [m.data() for m in receive_all(consumer, 2)] == [b"m2", b"m3"]


def test_skip_all_clears_the_backlog(admin, client, topic):
    admin.ok("PUT", rest_path(topic) + "/subscription/sub", {"ledgerId": -1, "entryId": -1})
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(4):
        producer.send(f"old-{index}".encode())
    assert admin.json("GET", rest_path(topic) + "/stats")["subscriptions"]["sub"]["msgBacklog"] == 4
    admin.ok("POST", rest_path(topic) + "/subscription/sub/skip_all")
    assert admin.json("GET", rest_path(topic) + "/stats")["subscriptions"]["sub"]["msgBacklog"] == 0
    consumer = client.subscribe(topic, "sub")
    producer.send(b"after")
    assert consumer.receive(timeout_millis=5000).data() == b"after"
    assert admin.error("POST", rest_path(topic) + "/subscription/nope/skip_all")[0] == 404


def test_reset_cursor_by_time_and_by_message_id_reaches_a_connected_consumer(admin, client, topic):
    # Acknowledged entries stay in the current ledger (the broker's retention 0), so the cursor can go back to them.
    first = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(5):
        producer.send(f"m{index}".encode())
    messages = receive_all(first, 5)
    first.close()   # flushes the acknowledgements
    assert admin.json("GET", rest_path(topic) + "/stats")["subscriptions"]["sub"]["msgBacklog"] == 0

    consumer = client.subscribe(topic, "sub")
    # The broker closes the subscription's consumers (CLOSE_CONSUMER); the client reconnects and reads again.
    admin.ok("POST", rest_path(topic) + f"/subscription/sub/resetcursor/{messages[0].publish_timestamp()}")
    assert [m.data() for m in receive_all(consumer, 5, ack=False)] == [f"m{i}".encode() for i in range(5)]

    third = messages[2].message_id()
    admin.ok("POST", rest_path(topic) + "/subscription/sub/resetcursor",
             {"ledgerId": third.ledger_id(), "entryId": third.entry_id(), "partitionIndex": -1, "isExcluded": False})
    assert [m.data() for m in receive_all(consumer, 3)] == [b"m2", b"m3", b"m4"]


def test_delete_subscription_refuses_while_consumers_are_connected(admin, client, topic):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(3):
        producer.send(f"stale-{index}".encode())
    assert admin.error("DELETE", rest_path(topic) + "/subscription/sub") == (412, "Subscription has active connected consumers")
    consumer.close()
    admin.ok("DELETE", rest_path(topic) + "/subscription/sub")
    assert admin.json("GET", rest_path(topic) + "/subscriptions") == []
    assert admin.error("DELETE", rest_path(topic) + "/subscription/sub") == (404, f"Subscription sub not found for topic {topic}")
    again = client.subscribe(topic, "sub")
    producer.send(b"fresh")
    assert again.receive(timeout_millis=5000).data() == b"fresh"


def test_force_delete_and_unload_close_the_official_clients_which_reconnect(admin, client, topic):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    admin.ok("PUT", rest_path(topic) + "/unload")
    producer.send(b"after unload")
    assert consumer.receive(timeout_millis=5000).data() == b"after unload"
    admin.ok("DELETE", rest_path(topic) + "?force=true")
    producer.send(b"after delete")   # the producer reconnects and the topic is created again
    assert admin.json("GET", rest_path(topic) + "/stats")["msgInCounter"] == 1


def test_metrics_expose_topic_level_lines(admin, client, topic):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(3):
        producer.send(str(index).encode())
    receive_all(consumer, 3, ack=False)
    status, _, text = admin.call("GET", "/metrics")
    assert status == 200
    labels = f'cluster="standalone",namespace="public/default",topic="{topic}"'
    lines = set(text.splitlines())
    assert "# TYPE pulsar_in_messages_total gauge" in lines
    for line in [f"pulsar_in_messages_total{{{labels}}} 3", f"pulsar_producers_count{{{labels}}} 1",
                 f"pulsar_consumers_count{{{labels}}} 1", f"pulsar_subscriptions_count{{{labels}}} 1",
                 f"pulsar_msg_backlog{{{labels}}} 3",
                 f'pulsar_out_messages_total{{{labels},subscription="sub"}} 3',
                 f'pulsar_subscription_unacked_messages{{{labels},subscription="sub"}} 3']:
        assert line in lines, line
    storage = [line for line in lines if line.startswith(f"pulsar_storage_size{{{labels}}} ")]
    assert len(storage) == 1 and int(storage[0].rsplit(" ", 1)[1]) > 0


def test_tenant_and_namespace_lifecycle(admin, client):
    admin.ok("PUT", "/admin/v2/tenants/acme", {"adminRoles": [], "allowedClusters": ["standalone"]})
    assert admin.error("PUT", "/admin/v2/tenants/acme", {}) == (409, "Tenant already exists")
    assert admin.json("GET", "/admin/v2/tenants/acme") == {"adminRoles": [], "allowedClusters": ["standalone"]}
    assert admin.error("PUT", "/admin/v2/namespaces/nobody/ns") == (404, "Tenant does not exist")
    admin.ok("PUT", "/admin/v2/namespaces/acme/orders")
    assert admin.json("GET", "/admin/v2/namespaces/acme") == ["acme/orders"]
    assert admin.json("GET", "/admin/v2/namespaces/acme/orders")["replication_clusters"] == ["standalone"]
    admin.ok("PUT", "/admin/v2/persistent/acme/orders/created")
    client.create_producer("persistent://acme/orders/created").send(b"one")
    assert admin.json("GET", "/admin/v2/namespaces/acme/orders/topics") == ["persistent://acme/orders/created"]
    assert admin.error("DELETE", "/admin/v2/namespaces/acme/orders")[0] == 409
    assert admin.error("DELETE", "/admin/v2/tenants/acme")[0] == 409
    assert admin.error("PUT", "/admin/v2/persistent/acme/missing/t") == (404, "Namespace does not exist")


def test_errors_are_json_with_the_broker_status_codes(admin, topic):
    assert admin.error("GET", "/admin/v2/namespaces/nobody") == (404, "Tenant does not exist")
    assert admin.error("GET", "/admin/v2/namespaces/public/nothing") == (404, "Namespace does not exist")
    assert admin.error("GET", rest_path(topic) + "/internalStats")[0] == 404
    assert admin.error("GET", rest_path(topic) + "/subscriptions")[0] == 404
    assert admin.error("POST", "/admin/v2/clusters")[0] == 405
    assert admin.error("PUT", "/admin/v2/tenants/acme", b"{not json")[0] == 400
    assert admin.error("GET", "/admin/v2/persistent/public/default/bad%2Fname/stats")[0] == 412
    assert admin.error("GET", "/admin/v2/something/else")[0] == 404


def read_response(stream):
    """Reads one HTTP response with a Content-Length body from a socket file."""
    status_line = stream.readline().decode()
    headers = {}
    while (line := stream.readline().decode()) not in ("\r\n", ""):
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    body = stream.read(int(headers.get("content-length", "0")))
    return int(status_line.split()[1]), headers, body


def test_raw_http_keep_alive_pipelining_and_bad_input(emulator):
    host, port = emulator.admin_url[len("http://"):].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        stream = connection.makefile("rb")
        connection.sendall(b"GET /admin/v2/clusters HTTP/1.1\r\nHost: x\r\n\r\n"
                           b"GET /admin/v2/brokers/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(stream)[::2] == (200, b'["standalone"]')
        assert read_response(stream)[::2] == (200, b"ok")
        connection.sendall(b"BLAH\r\n\r\n")
        status, headers, _ = read_response(stream)
        assert (status, headers["connection"]) == (400, "close")
        assert stream.read() == b""   # the server closed this connection
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        stream = connection.makefile("rb")
        connection.sendall(b"PUT /admin/v2/tenants/x HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
        assert read_response(stream)[0] == 413
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        stream = connection.makefile("rb")
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        assert read_response(stream)[0] == 431
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        # A client that sends its request and closes its side at once still gets the whole answer.
        connection.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        connection.shutdown(socket.SHUT_WR)
        status, headers, body = read_response(connection.makefile("rb"))
        assert (status, headers["connection"], len(body)) == (200, "close", int(headers["content-length"]))
    # And the server still serves new connections.
    assert Admin(emulator.admin_url).json("GET", "/admin/v2/clusters") == ["standalone"]
