"""Partitioned, non-persistent and pattern topics with the official client."""
import re
import uuid

import pulsar

from conftest import assert_marker_next, receive_all


def test_partitioned_topic_created_at_start_takes_and_delivers_every_message(make_emulator, topic):
    emulator = make_emulator("--partitioned-topic", f"{topic}:3")
    client = emulator.client()
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(30):
        producer.send(str(index).encode(), partition_key=f"k{index}")
    messages = receive_all(consumer, 30)
    assert sorted(int(m.data()) for m in messages) == list(range(30))
    assert {m.topic_name() for m in messages} == {f"{topic}-partition-{i}" for i in range(3)}
    assert client.get_topic_partitions(topic) == [f"{topic}-partition-{i}" for i in range(3)]
    client.close()


def test_partitioned_topics_are_auto_created_when_configured(make_emulator, topic):
    emulator = make_emulator("--auto-partitions", "4")
    client = emulator.client()
    client.create_producer(topic).send(b"x")
    assert len(client.get_topic_partitions(topic)) == 4
    client.close()


def test_non_persistent_topic_delivers_to_connected_consumers_and_keeps_nothing(client):
    topic = f"non-persistent://public/default/np-{uuid.uuid4().hex[:8]}"
    producer = client.create_producer(topic, batching_enabled=False)
    producer.send(b"nobody listens")
    consumer = client.subscribe(topic, "sub", initial_position=pulsar.InitialPosition.Earliest)
    producer.send(b"live")
    assert consumer.receive(timeout_millis=5000).data() == b"live"
    assert_marker_next(consumer, producer)


def test_pattern_subscription_reads_every_matching_topic(client):
    prefix = f"persistent://public/default/pattern-{uuid.uuid4().hex[:6]}"
    producers = [client.create_producer(f"{prefix}-{i}") for i in range(3)]
    client.create_producer(f"{prefix}x-other").send(b"not matched")
    consumer = client.subscribe(re.compile(re.escape(prefix) + r"-\d"), "sub",
                                initial_position=pulsar.InitialPosition.Earliest)
    for index, producer in enumerate(producers):
        producer.send(f"from {index}".encode())
    assert sorted(m.data() for m in receive_all(consumer, 3)) == [b"from 0", b"from 1", b"from 2"]
