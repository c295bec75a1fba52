"""Failover and Key_Shared subscriptions with the official client."""
import pulsar
import pytest

from conftest import receive_all, receive_from, topic_stats


def test_failover_sends_everything_to_one_consumer_and_switches_when_it_leaves(client, topic):
    first = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Failover, consumer_name="a")
    second = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Failover, consumer_name="b")
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(10):
        producer.send(str(index).encode())
    got_first, got_second = receive_from([first, second], 10, ack=False)
    active, standby = (first, second) if got_first else (second, first)
    received = got_first or got_second
    assert [int(m.data()) for m in received] == list(range(10))
    assert not (got_first and got_second), "only the active consumer receives"
    for message in received[:4]:
        active.acknowledge(message)
    active.close()
    # The standby takes over and gets what the active one left unacknowledged, then new messages.
    producer.send(b"10")
    taken_over = [int(m.data()) for m in receive_all(standby, 7)]
    assert taken_over == list(range(4, 11))


def test_failover_on_a_partitioned_topic_spreads_partitions_over_consumers(make_emulator, topic):
    emulator = make_emulator("--partitioned-topic", f"{topic}:2")
    client = emulator.client()
    first = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Failover, consumer_name="a")
    second = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.Failover, consumer_name="b")
    producer = client.create_producer(topic, batching_enabled=False,
                                      message_routing_mode=pulsar.PartitionsRoutingMode.RoundRobinDistribution)
    for index in range(20):
        producer.send(str(index).encode())
    shares = receive_from([first, second], 20)
    partitions_first, partitions_second = ({m.topic_name() for m in share} for share in shares)
    assert len(partitions_first) == 1 and len(partitions_second) == 1
    assert partitions_first != partitions_second
    client.close()


def test_key_shared_keeps_each_key_on_one_consumer_in_order(client, topic):
    consumers = [client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.KeyShared, consumer_name=f"c{i}")
                 for i in range(3)]
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(120):
        producer.send(str(index).encode(), partition_key=f"key-{index % 12}")
    owners = {}
    for position, share in enumerate(receive_from(consumers, 120)):
        last_index = {}
        for message in share:
            key, index = message.partition_key(), int(message.data())
            assert owners.setdefault(key, position) == position, f"{key} reached two consumers"
            assert index > last_index.get(key, -1), f"{key} out of order"
            last_index[key] = index
    assert len(owners) == 12
    assert len(set(owners.values())) > 1, "keys are spread over consumers"


def test_key_shared_sticky_ranges(client, topic):
    low = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.KeyShared, key_shared_policy=pulsar.ConsumerKeySharedPolicy(
        key_shared_mode=pulsar.KeySharedMode.Sticky, sticky_ranges=[(0, 32767)]))
    high = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.KeyShared, key_shared_policy=pulsar.ConsumerKeySharedPolicy(
        key_shared_mode=pulsar.KeySharedMode.Sticky, sticky_ranges=[(32768, 65535)]))
    with pytest.raises(pulsar.ConsumerAssignError):   # the broker's ConsumerAssignError for overlapping ranges
        client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.KeyShared, key_shared_policy=pulsar.ConsumerKeySharedPolicy(
            key_shared_mode=pulsar.KeySharedMode.Sticky, sticky_ranges=[(100, 200)]))
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(40):
        producer.send(str(index).encode(), partition_key=f"k{index}")
    low_share, high_share = receive_from([low, high], 40)
    assert len(low_share) + len(high_share) == 40


# Murmur3_32Hash.makeHash(key) % 65536 for keys whose hash Apache's tests give: apache/pulsar-client-cpp
# tests/HashTest.cc and apache/pulsar pulsar-client/src/test/java/org/apache/pulsar/client/impl/HashTest.java
# ("k1" 2110152746, "k2" 1479966664, "key1" 462881061, "key2" 1936800180, "key01" 39696932, "key02" 751761803),
# apache/pulsar-client-go pulsar/internal/hash_test.go ("hello" 0x248bfa47, "test" 0x3a6bd213).
STICKY_SLOTS = {"key1": 293, "key2": 14772, "k1": 24618, "k2": 32712,
                "key01": 47652, "test": 53779, "key02": 63883, "hello": 64071}


def test_key_shared_sticky_ranges_route_by_the_apache_hash_of_the_key(client, topic):
    def sticky(ranges):
        return client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.KeyShared,
                                key_shared_policy=pulsar.ConsumerKeySharedPolicy(
                                    key_shared_mode=pulsar.KeySharedMode.Sticky, sticky_ranges=ranges))
    low, high = sticky([(0, 32767)]), sticky([(32768, 65535)])
    producer = client.create_producer(topic, batching_enabled=False)
    for key in STICKY_SLOTS:
        producer.send(key.encode(), partition_key=key)
    low_share, high_share = receive_from([low, high], len(STICKY_SLOTS))
    assert sorted(m.partition_key() for m in low_share) == sorted(k for k, slot in STICKY_SLOTS.items() if slot <= 32767)
    assert sorted(m.partition_key() for m in high_share) == sorted(k for k, slot in STICKY_SLOTS.items() if slot > 32767)


def test_key_shared_consumer_joining_late_does_not_break_per_key_order(emulator, client, topic):
    first = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.KeyShared, consumer_name="first",
                             receiver_queue_size=1000)
    producer = client.create_producer(topic, batching_enabled=False)
    for index in range(40):
        producer.send(str(index).encode(), partition_key=f"key-{index % 8}")
    held = receive_all(first, 40, ack=False)          # delivered to `first`, not acknowledged yet
    late = client.subscribe(topic, "sub", consumer_type=pulsar.ConsumerType.KeyShared, consumer_name="late",
                            receiver_queue_size=1000)
    for index in range(40, 80):
        producer.send(str(index).encode(), partition_key=f"key-{index % 8}")
    # While `first` holds older messages, the newcomer must not get newer messages of any key. The broker dispatches
    # as it stores, before its receipt: once the sends returned, its stats show what `late` was given.
    consumers = topic_stats(emulator, topic)["subscriptions"]["sub"]["consumers"]
    assert [c["msgOutCounter"] for c in consumers if c["consumerName"] == "late"] == [0]
    for message in held:
        first.acknowledge(message)
    rest = sum(receive_from([first, late], 40), [])
    assert sorted(int(m.data()) for m in rest) == list(range(40, 80))
