"""Produce and consume through the emulator with the official client: content, order, batching, compression."""
import pulsar
import pytest

from conftest import receive_all


def test_keys_properties_and_event_time_arrive_intact(client, topic):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    producer.send(b"hello", partition_key="key-1", properties={"a": "1", "b": "two"}, event_timestamp=1_700_000_000_123)
    message = consumer.receive(timeout_millis=5000)
    assert message.data() == b"hello"
    assert message.partition_key() == "key-1"
    assert message.properties() == {"a": "1", "b": "two"}
    assert message.event_timestamp() == 1_700_000_000_123
    assert message.publish_timestamp() > 0
    assert message.topic_name() == topic
    assert message.redelivery_count() == 0


def test_thousand_messages_arrive_in_order(client, topic):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(1000):
        producer.send_async(str(index).encode(), None)
    producer.flush()
    received = [int(m.data()) for m in receive_all(consumer, 1000)]
    assert received == list(range(1000))


@pytest.mark.parametrize("batching", [False, True])
def test_batching_on_and_off(client, topic, batching):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=batching, batching_max_messages=50,
                                      batching_max_publish_delay_ms=10)
    for index in range(200):
        producer.send_async(f"m{index}".encode(), None, partition_key=f"k{index % 7}")
    producer.flush()
    messages = receive_all(consumer, 200)
    assert [m.data().decode() for m in messages] == [f"m{i}" for i in range(200)]
    assert [m.partition_key() for m in messages] == [f"k{i % 7}" for i in range(200)]


@pytest.mark.parametrize("codec", ["LZ4", "ZLib", "ZSTD", "SNAPPY"])
def test_compressed_batches_pass_through(client, topic, codec):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, compression_type=getattr(pulsar.CompressionType, codec),
                                      batching_enabled=True, batching_max_messages=20)
    payloads = [(f"payload {i} " * 20).encode() for i in range(60)]
    for payload in payloads:
        producer.send_async(payload, None)
    producer.flush()
    assert [m.data() for m in receive_all(consumer, 60)] == payloads


def test_one_mebibyte_payloads(client, topic):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    payloads = [bytes([i]) * (1024 * 1024) for i in range(3)]
    for payload in payloads:
        producer.send(payload)
    assert [m.data() for m in receive_all(consumer, 3)] == payloads


def test_empty_payloads(client, topic):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    producer.send(b"")
    producer.send(b"", properties={"empty": "yes"})
    messages = receive_all(consumer, 2)
    assert [m.data() for m in messages] == [b"", b""]
    assert messages[1].properties() == {"empty": "yes"}


def test_send_returns_distinct_increasing_message_ids(client, topic):
    producer = client.create_producer(topic, batching_enabled=False)
    ids = [producer.send(b"x") for _ in range(5)]
    entries = [(i.ledger_id(), i.entry_id()) for i in ids]
    assert entries == sorted(entries)
    assert len(set(entries)) == 5


def test_producer_name_is_generated_and_duplicates_are_refused(client, topic):
    first = client.create_producer(topic)
    assert first.producer_name()
    named = client.create_producer(topic, producer_name="fixed-name")
    assert named.producer_name() == "fixed-name"
    with pytest.raises(pulsar.ProducerBusy):
        client.create_producer(topic, producer_name="fixed-name")
    named.close()
    client.create_producer(topic, producer_name="fixed-name").close()


def test_exclusive_producer_access_mode(client, topic):
    exclusive = client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    with pytest.raises(pulsar.ProducerBusy):
        client.create_producer(topic)
    exclusive.close()
    client.create_producer(topic).close()
