"""Readers, seek, delayed delivery, schemas and deduplication with the official client."""
import json
import urllib.request
from datetime import timedelta

import pulsar
import pytest
from pulsar.schema import AvroSchema, JsonSchema, Record, String, Integer, StringSchema

from conftest import receive_all, topic_stats


def publish(client, topic, count):
    producer = client.create_producer(topic, batching_enabled=False)
    return [producer.send(str(index).encode()) for index in range(count)]


def test_readers_start_at_earliest_latest_or_a_message_id(client, topic):
    ids = publish(client, topic, 5)
    earliest = client.create_reader(topic, pulsar.MessageId.earliest)
    assert [earliest.read_next(5000).data() for _ in range(5)] == [b"0", b"1", b"2", b"3", b"4"]
    after = client.create_reader(topic, ids[2])
    assert after.read_next(5000).data() == b"3"
    inclusive = client.create_reader(topic, ids[2], start_message_id_inclusive=True)
    assert inclusive.read_next(5000).data() == b"2"
    latest = client.create_reader(topic, pulsar.MessageId.latest)
    assert not latest.has_message_available()
    client.create_producer(topic).send(b"5")
    assert latest.read_next(5000).data() == b"5"


def test_has_message_available_tracks_the_reader_position(client, topic):
    publish(client, topic, 2)
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    assert reader.has_message_available()
    reader.read_next(5000)
    reader.read_next(5000)
    assert not reader.has_message_available()


def test_has_message_available_on_an_empty_topic(client, topic):
    client.create_producer(topic)
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    assert not reader.has_message_available()


def test_seek_by_message_id_and_by_time(make_emulator, topic):
    emulator = make_emulator()      # default retention: acknowledged entries of the current ledger stay
    client = emulator.client()
    consumer = client.subscribe(topic, "sub")
    ids = publish(client, topic, 6)
    receive_all(consumer, 6)
    consumer.seek(ids[3])
    # Like the broker, the cursor now reads the target entry next (mark-delete = the entry before it)...
    stats = internal_stats(emulator, topic)["cursors"]["sub"]
    assert stats["markDeletePosition"] == f"{ids[3].ledger_id()}:2"
    # ...and the C++ client itself skips the seek message (its start id is exclusive), so 4 and 5 come again.
    assert [m.data() for m in receive_all(consumer, 2)] == [b"4", b"5"]
    consumer.seek(0)                                   # a publish time before everything
    assert [m.data() for m in receive_all(consumer, 6)] == [b"0", b"1", b"2", b"3", b"4", b"5"]
    client.close()


def internal_stats(emulator, topic):
    path = topic.replace("persistent://", "persistent/")
    with urllib.request.urlopen(f"{emulator.admin_url}/admin/v2/{path}/internalStats", timeout=10) as response:
        return json.load(response)


def test_delayed_delivery_waits_for_its_time_on_shared_subscriptions(make_emulator, topic):
    emulator = make_emulator("--manual-clock")
    client = emulator.client()
    shared = client.subscribe(topic, "shared", consumer_type=pulsar.ConsumerType.Shared)
    exclusive = client.subscribe(topic, "exclusive", consumer_type=pulsar.ConsumerType.Exclusive)
    producer = client.create_producer(topic, batching_enabled=False)
    producer.send(b"later", deliver_after=timedelta(seconds=60))   # the client stamps deliver_at with its own clock
    producer.send(b"now")
    assert shared.receive(timeout_millis=5000).data() == b"now"
    assert [m.data() for m in receive_all(exclusive, 2)] == [b"later", b"now"], "Exclusive ignores delays, like the broker"
    # The clock moves only when told, and the broker's state says what it holds back: no window to wait out.
    def delayed():
        return topic_stats(emulator, topic)["subscriptions"]["shared"]["msgDelayed"]
    assert delayed() == 1
    emulator.advance_clock(55_000)
    assert delayed() == 1
    emulator.advance_clock(10_000)
    assert shared.receive(timeout_millis=5000).data() == b"later"
    client.close()


class Order(Record):
    item = String()
    quantity = Integer()


def test_string_json_and_avro_schemas_round_trip(client, topic):
    for suffix, schema, value in [("s", StringSchema(), "hello"),
                                  ("j", JsonSchema(Order), Order(item="book", quantity=2)),
                                  ("a", AvroSchema(Order), Order(item="pen", quantity=5))]:
        name = f"{topic}-{suffix}"
        consumer = client.subscribe(name, "sub", schema=schema)
        client.create_producer(name, schema=schema).send(value)
        received = consumer.receive(timeout_millis=5000).value()
        if isinstance(value, str):
            assert received == value
        else:
            assert (received.item, received.quantity) == (value.item, value.quantity)


def test_an_incompatible_schema_is_refused(client, topic):
    client.create_producer(topic, schema=StringSchema())
    with pytest.raises(pulsar.IncompatibleSchema):
        client.create_producer(topic, schema=JsonSchema(Order))


def test_deduplication_drops_repeated_sequence_ids(make_emulator, topic):
    emulator = make_emulator("--deduplication")
    client = emulator.client()
    consumer = client.subscribe(topic, "sub")
    first = client.create_producer(topic, producer_name="dedup", batching_enabled=False)
    for sequence in range(5):
        first.send(f"m{sequence}".encode(), sequence_id=sequence)
    first.close()
    again = client.create_producer(topic, producer_name="dedup", batching_enabled=False)
    assert again.last_sequence_id() == 4
    for sequence in range(3, 8):
        again.send(f"m{sequence}".encode(), sequence_id=sequence)
    assert [m.data() for m in receive_all(consumer, 8)] == [f"m{i}".encode() for i in range(8)]
    again.send(b"marker", sequence_id=8)
    assert consumer.receive(timeout_millis=10_000).data() == b"marker", "nothing was stored twice"
    client.close()


def test_deduplication_through_the_namespace_policy(emulator, topic):
    url = f"{emulator.admin_url}/admin/v2/namespaces/public/default/deduplication"
    urllib.request.urlopen(urllib.request.Request(url, data=b"true", method="POST"), timeout=10).close()
    with urllib.request.urlopen(url, timeout=10) as response:
        assert json.load(response) is True
    client = emulator.client()
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, producer_name="dedup-ns", batching_enabled=False)
    for sequence in [0, 1, 1, 2, 0]:
        producer.send(f"m{sequence}".encode(), sequence_id=sequence)
    assert [m.data() for m in receive_all(consumer, 3)] == [b"m0", b"m1", b"m2"]
    producer.send(b"marker", sequence_id=3)
    assert consumer.receive(timeout_millis=10_000).data() == b"marker", "nothing was stored twice"
    client.close()
