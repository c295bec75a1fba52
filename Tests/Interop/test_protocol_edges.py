"""Protocol edges the compatibility document claims, proven against the emulator: with the official client where it can
reach them, else with the official client's own captured frames over a raw socket."""
import pulsar
import pytest

from conftest import receive_all
from test_auth import SECRET_FILE, hs256
from wire import RawConnection, field_bytes, field_varint, fixture, frame

CONNECTED, SUBSCRIBE, SUCCESS, PONG = 3, 4, 13, 19


def test_ping_before_connect_is_answered_with_pong(emulator):
    connection = RawConnection(emulator.host, emulator.port)
    connection.send(fixture("client-ping.hex"))
    assert connection.read_frame()[0] == PONG
    connection.send(fixture("client-connect.hex"))
    assert connection.read_frame()[0] == CONNECTED, "the handshake can still complete"
    connection.close()


def test_send_for_a_producer_that_does_not_exist_closes_the_connection(emulator, client, topic):
    consumer = client.subscribe(topic, "sub")
    connection = RawConnection(emulator.host, emulator.port)
    connection.send(fixture("client-connect.hex"))
    assert connection.read_frame()[0] == CONNECTED
    connection.send(fixture("client-send.hex"))         # producer 0 was never created on this connection
    assert connection.read_frame() is None
    producer = client.create_producer(topic)
    producer.send(b"others are unaffected")
    assert consumer.receive(timeout_millis=5000).data() == b"others are unaffected"


def test_without_auto_topic_creation_a_missing_topic_is_topic_not_found(make_emulator, topic):
    emulator = make_emulator("--no-auto-topic-creation")
    client = emulator.client()
    with pytest.raises(pulsar.TopicNotFound):
        client.create_producer(topic)
    with pytest.raises(pulsar.TopicNotFound):
        client.subscribe(topic, "sub")
    client.close()


def test_an_exclusive_consumer_whose_connection_dies_releases_the_subscription(emulator, client, topic):
    dead = RawConnection(emulator.host, emulator.port)
    dead.send(fixture("client-connect.hex"))
    assert dead.read_frame()[0] == CONNECTED
    subscribe = field_bytes(1, topic.encode()) + field_bytes(2, b"sub") + field_varint(3, 0) + field_varint(4, 0) \
        + field_varint(5, 1)
    dead.send(frame(SUBSCRIBE, subscribe))
    assert dead.read_frame()[0] == SUCCESS
    with pytest.raises(pulsar.ConsumerBusy):
        client.subscribe(topic, "sub")
    dead.sock.close()                                   # no CLOSE_CONSUMER: the connection just ends
    consumer = client.subscribe(topic, "sub")
    client.create_producer(topic).send(b"taken over")
    assert consumer.receive(timeout_millis=5000).data() == b"taken over"


def test_a_token_whose_role_claim_is_a_list_uses_its_first_element(make_emulator, topic):
    emulator = make_emulator("--auth-secret-key", SECRET_FILE, "--grant", "app:public/default:produce,consume")
    token = hs256("ignored", sub=["app", "other"])
    client = emulator.client(authentication=pulsar.AuthenticationToken(token))
    consumer = client.subscribe(topic, "sub")
    client.create_producer(topic).send(b"as app")
    assert [m.data() for m in receive_all(consumer, 1)] == [b"as app"]
    client.close()
    refused = emulator.client(authentication=pulsar.AuthenticationToken(hs256("ignored", sub=["other", "app"])))
    with pytest.raises(pulsar.AuthorizationError):
        refused.create_producer(topic)
    refused.close()
