"""Fidelity with a standalone Apache Pulsar 3.x broker, proven with the official client (and, for fields the client
does not expose, with the official client's own captured frames over a raw socket).

- Retention: the broker deletes only whole closed ledgers and keeps the current one, so acknowledged messages can
  still be sought back to, read from earliest, or received by a new Earliest subscription.
- Wire fields as the broker's Commands.java sets them: the partition index in MESSAGE ids, highest_sequence_id in
  every SEND_RECEIPT, the broker's own CONNECTED feature flags, GET_LAST_MESSAGE_ID on an empty topic, the error
  code for an unknown consumer.
- Subscription behaviours: redelivery counts forgotten with a Shared subscription's last consumer, Key_Shared
  policy conflicts, the redelivered counter.
"""
import json
import threading
import time
import urllib.request

import pulsar
import pytest

from conftest import receive_all, wait_until
from wire import RawConnection, field_bytes, field_varint, fixture, frame, parse_fields

CONNECTED, SUBSCRIBE, SEND_RECEIPT, MESSAGE, REDELIVER = 3, 4, 7, 9, 20
SUCCESS, ERROR, CLOSE_PRODUCER, PRODUCER_SUCCESS = 13, 14, 15, 17
GET_LAST_MESSAGE_ID_RESPONSE = 30
METADATA_ERROR = 1
MINUS_ONE = (1 << 64) - 1


def get_json(emulator, path):
    with urllib.request.urlopen(f"{emulator.admin_url}{path}", timeout=10) as response:
        return json.load(response)


def rest(topic):
    return topic.replace("persistent://", "persistent/")


def wait_acknowledged(emulator, topic, subscription):
    """Waits until the broker has every acknowledgement (the client groups them and sends them later)."""
    wait_until(lambda: get_json(emulator, f"/admin/v2/{rest(topic)}/stats")["subscriptions"][subscription]["msgBacklog"] == 0,
               f"{subscription} to have acknowledged everything")


def publish(client, topic, count):
    producer = client.create_producer(topic, batching_enabled=False)
    ids = [producer.send(str(index).encode()) for index in range(count)]
    producer.close()
    return ids


# MARK: retention by default behaves like the broker's ledgers

def test_seek_back_after_everything_was_acknowledged(emulator, client, topic):
    consumer = client.subscribe(topic, "sub")
    ids = publish(client, topic, 5)
    receive_all(consumer, 5)
    wait_acknowledged(emulator, topic, "sub")
    consumer.seek(ids[1])       # the C++ client treats the seek id as exclusive: it skips message 1 itself
    assert [m.data() for m in receive_all(consumer, 3)] == [b"2", b"3", b"4"]
    consumer.seek(0)            # a publish time before everything
    assert [m.data() for m in receive_all(consumer, 5)] == [b"0", b"1", b"2", b"3", b"4"]
    consumer.seek(pulsar.MessageId.earliest)
    assert [m.data() for m in receive_all(consumer, 5)] == [b"0", b"1", b"2", b"3", b"4"]


def test_resubscribing_from_earliest_after_unsubscribe_gets_the_acknowledged_messages(emulator, client, topic):
    consumer = client.subscribe(topic, "sub")
    publish(client, topic, 3)
    receive_all(consumer, 3)
    wait_acknowledged(emulator, topic, "sub")
    consumer.unsubscribe()
    again = client.subscribe(topic, "sub", initial_position=pulsar.InitialPosition.Earliest)
    assert [m.data() for m in receive_all(again, 3)] == [b"0", b"1", b"2"]


def test_a_reader_from_earliest_reads_acknowledged_messages(emulator, client, topic):
    consumer = client.subscribe(topic, "sub")
    publish(client, topic, 3)
    receive_all(consumer, 3)
    wait_acknowledged(emulator, topic, "sub")
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    assert [reader.read_next(5000).data() for _ in range(3)] == [b"0", b"1", b"2"]


def test_ledgers_roll_over_and_closed_acknowledged_ones_are_deleted(make_emulator, topic):
    emulator = make_emulator("--ledger-max-entries", "3")
    client = emulator.client()
    consumer = client.subscribe(topic, "sub")
    ids = publish(client, topic, 7)
    ledgers = [message_id.ledger_id() for message_id in ids]
    assert ledgers[0] == ledgers[2] != ledgers[3] == ledgers[5] != ledgers[6]
    assert [message_id.entry_id() for message_id in ids] == [0, 1, 2, 0, 1, 2, 0]
    # Nothing acknowledged: every ledger is kept.
    assert len(get_json(emulator, f"/admin/v2/{rest(topic)}/internalStats")["ledgers"]) == 3
    received = receive_all(consumer, 7)
    assert [m.message_id().ledger_id() for m in received] == ledgers
    wait_acknowledged(emulator, topic, "sub")
    wait_until(lambda: len(get_json(emulator, f"/admin/v2/{rest(topic)}/internalStats")["ledgers"]) == 1,
               "the two closed ledgers to be deleted")
    stats = get_json(emulator, f"/admin/v2/{rest(topic)}/internalStats")
    assert stats["ledgers"][0]["ledgerId"] == ledgers[6]
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    assert reader.read_next(5000).data() == b"6", "only the current ledger is left"
    client.close()


# MARK: wire fields as the broker sets them

def test_message_ids_carry_the_partition_index(make_emulator):
    emulator = make_emulator("--partitioned-topic", "persistent://public/default/parted:3")
    client = emulator.client()
    topic = "persistent://public/default/parted"
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(12):
        producer.send(str(index).encode(), partition_key=f"key-{index}")
    partitions = set()
    for message in receive_all(consumer, 12):
        partition = int(message.topic_name().rsplit("-partition-", 1)[1])
        assert message.message_id().partition() == partition, "the id carries its partition's index"
        partitions.add(partition)
    assert len(partitions) > 1
    client.close()


def test_get_last_message_id_on_an_empty_topic_is_minus_one_and_then_the_last_entry(client, topic):
    consumer = client.subscribe(topic, "sub")
    empty = consumer.get_last_message_id()
    # Pulsar 3.x: an empty topic has no last entry to read, and the broker answers (-1, -1) (the admin API's
    # lastMessageId answers the current ledger with entry -1 instead).
    assert (empty.ledger_id(), empty.entry_id()) == (-1, -1)
    first = publish(client, topic, 1)[0]
    last = consumer.get_last_message_id()
    assert (last.ledger_id(), last.entry_id()) == (first.ledger_id(), 0)


def connected(emulator):
    connection = RawConnection(emulator.host, emulator.port)
    connection.send(fixture("client-connect.hex"))     # the official client's own CONNECT
    type_number, fields = connection.read_frame()
    assert type_number == CONNECTED
    return connection, fields


def test_connected_carries_the_brokers_own_feature_flags(emulator):
    connection, fields = connected(emulator)
    flags = parse_fields(fields[4][0])
    # The client announced auth refresh and broker entry metadata; those are client flags, not echoed back.
    assert 1 not in flags and 2 not in flags and 3 not in flags
    assert flags[4] == [0], "supports_topic_watchers: false (pattern consumers poll GET_TOPICS_OF_NAMESPACE)"
    assert flags[5] == [1], "supports_get_partitioned_metadata_without_auto_creation"
    connection.close()


def test_send_receipt_always_carries_highest_sequence_id(emulator):
    connection, _ = connected(emulator)
    connection.send(fixture("client-producer.hex"))    # the official client's PRODUCER and SEND, as captured
    type_number, success = connection.read_frame()
    assert type_number == PRODUCER_SUCCESS
    assert success[4] == [b""], "schema_version is always there, empty without a schema (the Java client reads it)"
    assert success[6] == [1], "producer_ready is always there"
    connection.send(fixture("client-send.hex"))
    type_number, fields = connection.read_frame()
    assert type_number == SEND_RECEIPT
    assert fields[2] == [0], "sequence id"
    assert fields[4] == [MINUS_ONE], "highest_sequence_id is -1 for a SEND that names no range, as the broker sends it"
    connection.close()


@pytest.mark.parametrize("request_frame", ["client-seek-message-id.hex", "client-unsubscribe.hex",
                                           "client-get-last-message-id.hex"])
def test_an_unknown_consumer_gets_metadata_error_consumer_not_found(emulator, request_frame):
    connection, _ = connected(emulator)
    connection.send(fixture(request_frame))             # the official client's request, on a connection without it
    type_number, fields = connection.read_frame()
    assert type_number == ERROR
    assert fields[2] == [METADATA_ERROR] and fields[3] == [b"Consumer not found"]
    connection.close()


# MARK: subscription behaviours

def test_shared_redelivery_counts_are_forgotten_when_the_last_consumer_leaves(client, topic):
    consumer = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Shared,
                                negative_ack_redelivery_delay_ms=100)
    publish(client, topic, 1)
    first = consumer.receive(timeout_millis=5000)
    assert first.redelivery_count() == 0
    consumer.negative_acknowledge(first)
    again = consumer.receive(timeout_millis=5000)
    assert again.redelivery_count() == 1
    consumer.close()
    fresh = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Shared)
    message = fresh.receive(timeout_millis=5000)
    assert message.data() == b"0"
    assert message.redelivery_count() == 0, "the broker's redelivery tracker went with the last consumer"


def test_key_shared_consumers_with_another_policy_are_refused_with_consumer_busy(client, topic):
    client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.KeyShared)
    sticky = pulsar.ConsumerKeySharedPolicy(key_shared_mode=pulsar.KeySharedMode.Sticky, sticky_ranges=[(0, 1000)])
    with pytest.raises(pulsar.ConsumerBusy):
        client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.KeyShared, key_shared_policy=sticky)
    out_of_order = pulsar.ConsumerKeySharedPolicy(allow_out_of_order_delivery=True)
    with pytest.raises(pulsar.ConsumerBusy):
        client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.KeyShared, key_shared_policy=out_of_order)
    same = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.KeyShared)
    same.close()


def test_redelivered_counts_nacks_on_exclusive_subscriptions(emulator, client, topic):
    consumer = client.subscribe(topic, "sub", negative_ack_redelivery_delay_ms=100)
    publish(client, topic, 1)
    consumer.negative_acknowledge(consumer.receive(timeout_millis=5000))
    assert consumer.receive(timeout_millis=5000).data() == b"0"
    snapshot = get_json(emulator, f"/pulsarkit/topics/{rest(topic)}")
    assert [(s["name"], s["redelivered"]) for s in snapshot["subscriptions"]] == [("sub", 1)]


@pytest.mark.parametrize("flags", [[], ["--deduplication"]], ids=["plain", "deduplication"])
def test_a_chunked_message_arrives_whole(make_emulator, topic, flags):
    emulator = make_emulator("--max-message-size", "1024", *flags)
    client = emulator.client()
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, chunking_enabled=True, batching_enabled=False)
    body = bytes(range(256)) * 20                       # 5,120 bytes: several chunks of at most 1 KiB
    producer.send(body)
    producer.send(b"after")
    assert consumer.receive(timeout_millis=5000).data() == body
    assert consumer.receive(timeout_millis=5000).data() == b"after"
    stats = get_json(emulator, f"/admin/v2/{rest(topic)}/internalStats")
    assert stats["entriesAddedCounter"] > 2, "stored as several chunk entries"
    client.close()


def test_get_last_message_id_always_carries_the_mark_delete_position(emulator, topic):
    connection, _ = connected(emulator)
    subscribe = field_bytes(1, topic.encode()) + field_bytes(2, b"sub") + field_varint(3, 0) + field_varint(4, 0) \
        + field_varint(5, 1)
    connection.send(frame(SUBSCRIBE, subscribe))
    assert connection.read_frame()[0] == SUCCESS
    connection.send(fixture("client-get-last-message-id.hex"))     # consumer 0, as the official client sent it
    type_number, fields = connection.read_frame()
    assert type_number == GET_LAST_MESSAGE_ID_RESPONSE
    last = parse_fields(fields[1][0])
    assert (last[1], last[2]) == ([MINUS_ONE], [MINUS_ONE])
    mark_delete = parse_fields(fields[3][0])
    assert mark_delete[2] == [MINUS_ONE], "nothing acknowledged: entry -1"
    assert 3 not in mark_delete, "ledger and entry only, no partition"
    connection.close()


def test_exclusive_and_failover_messages_carry_the_consumer_epoch(emulator, topic):
    """The Java client sends consumer_epoch and drops messages of an older epoch after a redelivery (the C++ client
    does not send it, so this speaks the protocol directly)."""
    connection, _ = connected(emulator)
    subscribe = field_bytes(1, topic.encode()) + field_bytes(2, b"sub") + field_varint(3, 0) + field_varint(4, 0) \
        + field_varint(5, 1) + field_varint(19, 5)                 # consumer_epoch 5
    connection.send(frame(SUBSCRIBE, subscribe))
    assert connection.read_frame()[0] == SUCCESS
    client = emulator.client()
    client.create_producer(topic).send(b"one")
    connection.send(frame(11, field_varint(1, 0) + field_varint(2, 10)))   # FLOW 10
    type_number, message = connection.read_frame()
    assert type_number == MESSAGE and message[5] == [5]
    connection.send(frame(REDELIVER, field_varint(1, 0) + field_varint(3, 6)))   # redeliver, epoch 6
    type_number, again = connection.read_frame()
    assert type_number == MESSAGE and again[5] == [6]
    client.close()
    connection.close()


def test_an_exclusive_producer_beside_others_is_fenced(client, topic):
    shared = client.create_producer(topic)
    with pytest.raises(pulsar.ProducerFenced):
        client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    shared.close()
    exclusive = client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    with pytest.raises(pulsar.ProducerFenced):
        client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    with pytest.raises(pulsar.ProducerBusy):
        client.create_producer(topic)
    exclusive.close()


def test_wait_for_exclusive_gets_the_topic_when_the_holder_leaves(emulator, client, topic):
    holder = client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    created = []
    waiter = threading.Thread(target=lambda: created.append(
        client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.WaitForExclusive)))
    waiter.start()
    wait_until(lambda: any(not p["ready"] for p in get_json(emulator, f"/pulsarkit/topics/{rest(topic)}")["producers"]),
               "the WaitForExclusive producer to be queued")
    holder.close()
    waiter.join(timeout=10)
    assert not waiter.is_alive() and len(created) == 1, "the waiting producer was never promoted"
    consumer = client.subscribe(topic, "sub", initial_position=pulsar.InitialPosition.Earliest)
    created[0].send(b"mine now")
    assert consumer.receive(timeout_millis=5000).data() == b"mine now"


def test_exclusive_with_fencing_takes_over_and_the_old_producer_is_fenced(client, topic):
    old = client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive, send_timeout_millis=3000)
    old.send(b"before")
    new = client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.ExclusiveWithFencing)
    new.send(b"after")
    with pytest.raises((pulsar.ProducerFenced, pulsar.AlreadyClosed)):
        old.send(b"from the fenced producer")
    consumer = client.subscribe(topic, "sub", initial_position=pulsar.InitialPosition.Earliest)
    assert [m.data() for m in receive_all(consumer, 2)] == [b"before", b"after"]
