"""Negative acknowledgement, ack timeout and dead-letter policy with the official client."""
import pulsar

from conftest import receive_all


def test_negative_acknowledge_redelivers_with_a_redelivery_count(client, topic):
    consumer = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Shared,
                                negative_ack_redelivery_delay_ms=100)
    producer = client.create_producer(topic)
    producer.send(b"retry me")
    first = consumer.receive(timeout_millis=5000)
    assert first.redelivery_count() == 0
    consumer.negative_acknowledge(first)
    again = consumer.receive(timeout_millis=5000)
    assert again.data() == b"retry me"
    assert again.redelivery_count() == 1
    consumer.acknowledge(again)


def test_negative_acknowledge_on_exclusive_redelivers_with_count_zero(client, topic):
    # Like Apache Pulsar: Exclusive and Failover subscriptions do not track redelivery counts (always 0),
    # so a client-side dead-letter policy never fires on them.
    consumer = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Exclusive,
                                negative_ack_redelivery_delay_ms=100)
    producer = client.create_producer(topic)
    producer.send(b"exclusive retry")
    first = consumer.receive(timeout_millis=5000)
    consumer.negative_acknowledge(first)
    again = consumer.receive(timeout_millis=5000)
    assert again.data() == b"exclusive retry"
    assert again.redelivery_count() == 0


def test_ack_timeout_redelivers(client, topic):
    consumer = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Shared,
                                unacked_messages_timeout_ms=10_000)   # the client's minimum
    producer = client.create_producer(topic)
    producer.send(b"forgotten")
    first = consumer.receive(timeout_millis=5000)
    assert first.redelivery_count() == 0
    again = consumer.receive(timeout_millis=20000)
    assert again.data() == b"forgotten"
    assert again.redelivery_count() == 1
    consumer.acknowledge(again)


def test_dead_letter_policy_moves_the_message_after_max_redeliveries(client, topic):
    dead_letter_topic = topic + "-DLQ"
    dead_letters = client.subscribe(dead_letter_topic, "dlq-reader")
    consumer = client.subscribe(
        topic, "sub", consumer_type=pulsar.ConsumerType.Shared, negative_ack_redelivery_delay_ms=100,
        dead_letter_policy=pulsar.ConsumerDeadLetterPolicy(max_redeliver_count=2, dead_letter_topic=dead_letter_topic))
    producer = client.create_producer(topic)
    producer.send(b"poison", properties={"origin": "test"})
    for expected in range(3):
        message = consumer.receive(timeout_millis=5000)
        assert message.redelivery_count() == expected
        consumer.negative_acknowledge(message)
    dead = dead_letters.receive(timeout_millis=10000)
    assert dead.data() == b"poison"
    assert dead.properties().get("origin") == "test"
    dead_letters.acknowledge(dead)


def test_redeliver_all_unacknowledged_on_exclusive(client, topic):
    consumer = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Exclusive)
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(3):
        producer.send(str(index).encode())
    receive_all(consumer, 3, ack=False)
    consumer.redeliver_unacknowledged_messages()
    again = receive_all(consumer, 3)
    assert [m.data() for m in again] == [b"0", b"1", b"2"]
    assert all(m.redelivery_count() == 0 for m in again)   # Exclusive: no redelivery tracking, like the broker


def test_redeliver_all_unacknowledged_on_shared_counts_redeliveries(client, topic):
    consumer = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Shared)
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(3):
        producer.send(str(index).encode())
    receive_all(consumer, 3, ack=False)
    consumer.redeliver_unacknowledged_messages()
    again = receive_all(consumer, 3)
    assert sorted(m.data() for m in again) == [b"0", b"1", b"2"]
    assert all(m.redelivery_count() == 1 for m in again)
