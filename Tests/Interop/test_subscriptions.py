"""Subscription semantics with the official client: Exclusive, Shared, positions, durability, unsubscribe."""
import pulsar
import pytest

from conftest import assert_marker_next, receive_all, receive_from


def test_exclusive_refuses_a_second_consumer_and_allows_takeover_after_close(client, topic):
    first = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Exclusive)
    with pytest.raises(pulsar.ConsumerBusy):
        client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Exclusive)
    first.close()
    second = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Exclusive)
    producer = client.create_producer(topic)
    producer.send(b"after takeover")
    assert second.receive(timeout_millis=5000).data() == b"after takeover"


def test_exclusive_consumer_of_a_dead_client_is_released(emulator, topic):
    dying = emulator.client()
    dying.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Exclusive)
    dying.close()
    survivor = emulator.client()
    consumer = survivor.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Exclusive)
    assert consumer.subscription_name() == "sub"
    survivor.close()


def test_a_different_subscription_type_is_refused_while_consumers_are_attached(client, topic):
    client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Shared)
    with pytest.raises(pulsar.ConsumerBusy):
        client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Exclusive)


def test_shared_subscription_splits_messages_between_consumers(client, topic):
    first = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Shared, receiver_queue_size=10)
    second = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Shared, receiver_queue_size=10)
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(100):
        producer.send(str(index).encode())
    seen = {}
    for share, name in zip(receive_from([first, second], 100), ("first", "second")):
        for message in share:
            seen[int(message.data())] = name
    assert sorted(seen) == list(range(100))
    assert set(seen.values()) == {"first", "second"}


def test_acknowledged_messages_are_not_redelivered_after_resubscribing(client, topic):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic)
    for index in range(5):
        producer.send(str(index).encode())
    receive_all(consumer, 5)
    consumer.close()
    again = client.subscribe(topic, "sub")
    producer.send(b"5")
    assert again.receive(timeout_millis=5000).data() == b"5"
    assert_marker_next(again, producer)


def test_unacknowledged_messages_come_back_after_reconnecting(client, topic):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic)
    for index in range(5):
        producer.send(str(index).encode())
    first = receive_all(consumer, 5, ack=False)
    consumer.acknowledge(first[0])
    consumer.acknowledge(first[2])
    consumer.close()
    again = client.subscribe(topic, "sub")
    assert [m.data() for m in receive_all(again, 3)] == [b"1", b"3", b"4"]


def test_cumulative_acknowledgement(client, topic):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(10):
        producer.send(str(index).encode())
    messages = receive_all(consumer, 10, ack=False)
    consumer.acknowledge_cumulative(messages[6])
    consumer.close()
    again = client.subscribe(topic, "sub")
    assert [m.data() for m in receive_all(again, 3)] == [b"7", b"8", b"9"]


def test_earliest_sees_earlier_messages_and_latest_does_not(client, topic):
    producer = client.create_producer(topic)
    producer.send(b"before")
    latest = client.subscribe(topic, "latest", initial_position=pulsar.InitialPosition.Latest)
    earliest = client.subscribe(topic, "earliest", initial_position=pulsar.InitialPosition.Earliest)
    producer.send(b"after")
    assert [m.data() for m in receive_all(earliest, 2)] == [b"before", b"after"]
    assert latest.receive(timeout_millis=5000).data() == b"after"
    assert_marker_next(latest, producer)


def test_backlog_is_kept_while_no_consumer_is_connected(client, topic):
    client.subscribe(topic, "durable").close()
    producer = client.create_producer(topic)
    for index in range(20):
        producer.send(str(index).encode())
    consumer = client.subscribe(topic, "durable")
    assert [int(m.data()) for m in receive_all(consumer, 20)] == list(range(20))


def test_unsubscribe_deletes_the_subscription(client, topic):
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic)
    producer.send(b"old")
    consumer.unsubscribe()
    producer.send(b"between")
    fresh = client.subscribe(topic, "sub")
    producer.send(b"new")
    assert fresh.receive(timeout_millis=5000).data() == b"new"
    assert_marker_next(fresh, producer)


def test_unsubscribe_is_refused_while_other_consumers_are_connected(client, topic):
    first = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Shared)
    client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Shared)
    # The broker answers ServerMetadataException("Unconnected or shared consumer attempting to unsubscribe"): MetadataError.
    with pytest.raises(pulsar.BrokerMetadataError):
        first.unsubscribe()


@pytest.mark.parametrize("name", ["persistent://public/default/", "invalid://public/default/t",
                                  "persistent://public/t", "persistent://pub lic/default/t"])
def test_bad_topic_names_are_refused_with_a_clear_error(client, name):
    with pytest.raises(pulsar.InvalidTopicName):
        client.create_producer(name)
    with pytest.raises(pulsar.InvalidTopicName):
        client.subscribe(name, "sub")
