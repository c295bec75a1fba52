"""Broker faults driven out of process through the emulator's admin port (/pulsarkit/...), with the official client
on the receiving end: what it does when the broker fails a request, holds or reorders receipts, pauses, restarts,
unloads a topic or jumps its clock."""
import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pulsar
import pytest

from conftest import receive_all, topic_stats, wait_until


def control(emulator, method, path, body=None):
    """Calls a /pulsarkit/ endpoint; returns the decoded JSON answer (None for 204)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{emulator.admin_url}/pulsarkit/{path}", method=method, data=data or b"")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def report(emulator):
    return control(emulator, "GET", "faults")




def test_a_failed_send_is_sent_again_and_stored_once(emulator, client, topic):
    control(emulator, "POST", "faults/fail-next", {"operation": "send", "error": "ServiceNotReady", "topic": topic})
    producer = client.create_producer(topic, batching_enabled=False)
    consumer = client.subscribe(topic, "s")
    producer.send(b"one")   # SEND_ERROR: the client drops the connection, reconnects and sends again
    producer.send(b"two")
    assert [m.data() for m in receive_all(consumer, 2)] == [b"one", b"two"]
    assert report(emulator)["failedRequests"] == {"send": 1}
    assert topic_stats(emulator, topic)["msgInCounter"] == 2, "the failed SEND stored nothing"


def test_a_non_retryable_subscribe_error_reaches_the_caller_once(emulator, client, topic):
    control(emulator, "POST", "faults/fail-next", {"operation": "subscribe", "error": "AuthorizationError", "count": 1})
    with pytest.raises(pulsar.PulsarException):
        client.subscribe(topic, "s")
    client.subscribe(topic, "s")   # the fault was used up
    assert report(emulator)["failedRequests"] == {"subscribe": 1}
    assert report(emulator)["armedFailures"] == 0


def test_a_producer_error_on_another_topic_is_not_touched(emulator, client, topic):
    control(emulator, "POST", "faults/fail-next",
            {"operation": "producer", "error": "ProducerBusy", "topic": topic + "-other"})
    client.create_producer(topic).send(b"x")
    assert report(emulator)["armedFailures"] == 1
    with pytest.raises(pulsar.PulsarException):
        client.create_producer(topic + "-other")


def test_held_receipts_keep_the_send_pending_until_released(emulator, client, topic):
    producer = client.create_producer(topic, batching_enabled=False)
    control(emulator, "POST", "faults/receipts", {"action": "hold", "count": 1})
    done = threading.Event()
    results = []
    producer.send_async(b"held", lambda result, message_id: (results.append(result), done.set()))
    wait_until(lambda: report(emulator)["heldReceipts"] == 1, "the broker to store the message and hold its receipt")
    assert topic_stats(emulator, topic)["msgInCounter"] == 1
    assert not done.is_set(), "the client cannot know of a receipt the broker holds"
    control(emulator, "POST", "faults/receipts/release")
    assert done.wait(10)
    assert results == [pulsar.Result.Ok]


def test_reversed_receipts_make_the_client_resend_and_nothing_is_lost(emulator, client, topic):
    producer = client.create_producer(topic, batching_enabled=False)
    consumer = client.subscribe(topic, "s")
    control(emulator, "POST", "faults/receipts", {"action": "reverse", "count": 2})
    done = threading.Semaphore(0)
    results = []
    for payload in (b"a", b"b"):
        producer.send_async(payload, lambda result, message_id: (results.append(result), done.release()))
    for _ in range(2):
        assert done.acquire(timeout=10)
    assert results == [pulsar.Result.Ok, pulsar.Result.Ok]
    assert report(emulator)["reorderedReceipts"] == 2
    # A receipt ahead of the one expected makes the client reconnect and send its pending messages again; without
    # deduplication they are stored twice. Every payload arrives, the first copies in order.
    received = []
    while True:
        try:
            message = consumer.receive(timeout_millis=1000)
        except pulsar.Timeout:
            break
        received.append(message.data())
        consumer.acknowledge(message)
    assert received[:2] == [b"a", b"b"]
    assert set(received) == {b"a", b"b"}


def test_a_paused_broker_answers_everything_on_resume(emulator, client, topic):
    producer = client.create_producer(topic, batching_enabled=False)
    consumer = client.subscribe(topic, "s")
    control(emulator, "POST", "pause")
    done = threading.Event()
    producer.send_async(b"during-pause", lambda result, message_id: done.set())
    wait_until(lambda: report(emulator)["pausedReads"] >= 1, "the SEND to wait for the pause's end")
    assert report(emulator)["paused"] is True
    assert topic_stats(emulator, topic)["msgInCounter"] == 0, "nothing is handled during a pause"
    control(emulator, "POST", "resume")
    assert done.wait(10)
    assert consumer.receive(timeout_millis=10_000).data() == b"during-pause"


def test_a_restart_is_survived_by_producer_and_consumer(emulator, client, topic):
    producer = client.create_producer(topic, batching_enabled=False)
    consumer = client.subscribe(topic, "s")
    producer.send(b"before")
    control(emulator, "POST", "restart")
    producer.send(b"after")
    assert [m.data() for m in receive_all(consumer, 2)] == [b"before", b"after"]


def test_an_unload_is_survived_by_producer_and_consumer(emulator, client, topic):
    producer = client.create_producer(topic, batching_enabled=False)
    consumer = client.subscribe(topic, "s")
    producer.send(b"before")
    path = topic.replace("persistent://", "persistent/")
    request = urllib.request.Request(f"{emulator.admin_url}/admin/v2/{path}/unload", method="PUT", data=b"")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
    producer.send(b"after")
    assert [m.data() for m in receive_all(consumer, 2)] == [b"before", b"after"]


def test_a_clock_jump_makes_a_delayed_message_due(emulator, client, topic):
    consumer = client.subscribe(topic, "shared", consumer_type=pulsar.ConsumerType.Shared)
    producer = client.create_producer(topic, batching_enabled=False)
    producer.send(b"later", deliver_after=timedelta(minutes=30))
    assert topic_stats(emulator, topic)["subscriptions"]["shared"]["msgDelayed"] == 1
    control(emulator, "POST", "clock/jump?ms=1800000")
    assert consumer.receive(timeout_millis=10_000).data() == b"later"


@pytest.mark.parametrize("path,body,reason", [
    ("faults/fail-next", {"operation": "teleport"}, "\"operation\" must be one of connect, lookup"),
    ("faults/fail-next", {"operation": "send", "error": "NoSuchError"}, "is not a ServerError name"),
    ("faults/fail-next", {"operation": "send", "count": 0}, "\"count\" must be an integer of at least 1"),
    ("faults/receipts", {"action": "hold", "topic": "persistent://only-tenant"}, "\"topic\" must be a topic name"),
    ("faults/receipts", [1, 2], "The body must be a JSON object"),
    ("clock/jump", None, "Give the jump in milliseconds"),
])
def test_bad_fault_requests_get_a_400_with_the_reason(emulator, path, body, reason):
    with pytest.raises(urllib.error.HTTPError) as failure:
        control(emulator, "POST", path, body)
    assert failure.value.code == 400
    assert reason in json.load(failure.value)["reason"]
    assert report(emulator)["armedFailures"] == 0
