"""Protocol-level behaviour over raw sockets: handshake, keep-alive, and bad input that must not hurt anyone else."""
import json
import urllib.request

import pulsar
import pytest

from conftest import Emulator, receive_all
from wire import RawConnection, field_bytes, field_varint, fixture, frame

CONNECT = fixture("client-connect.hex")          # the official client's own CONNECT (protocol 20)


def admin_json(emulator, path):
    with urllib.request.urlopen(emulator.admin_url + path, timeout=10) as response:
        return json.load(response)


def connected(emulator):
    connection = RawConnection(emulator.host, emulator.port)
    connection.send(CONNECT)
    type_number, fields = connection.read_frame()
    assert type_number == 3, "expected CONNECTED"
    return connection, fields


def test_connect_negotiates_the_clients_protocol_version_and_advertises_max_message_size(emulator):
    connection, fields = connected(emulator)
    assert fields[2] == [20], "never newer than the client's version"
    assert fields[3] == [5 * 1024 * 1024]
    assert fields[1][0].startswith(b"Pulsar Server")
    connection.close()


def test_ping_is_answered_with_pong(emulator):
    connection, _ = connected(emulator)
    connection.send(fixture("client-ping.hex"))
    assert connection.read_frame()[0] == 19
    connection.close()


def test_a_command_before_connect_closes_the_connection(emulator):
    connection = RawConnection(emulator.host, emulator.port)
    connection.send(fixture("client-partitioned-metadata.hex"))
    assert connection.read_frame() is None
    connection.close()


def test_unknown_command_with_request_id_gets_an_error_and_the_connection_stays(emulator):
    connection, _ = connected(emulator)
    connection.send(frame(50, field_varint(1, 77)))          # NEW_TXN, request id 77
    type_number, fields = connection.read_frame()
    assert type_number == 14 and fields[1] == [77] and fields[2] == [22]   # ERROR NotAllowedError
    connection.send(fixture("client-ping.hex"))
    assert connection.read_frame()[0] == 19
    connection.close()


def test_garbage_closes_only_that_connection_and_nothing_stored_is_lost(emulator, topic):
    client = emulator.client()
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic)
    producer.send(b"before garbage")
    bad, _ = connected(emulator)
    bad.send(b"\x00\x00\x00\x0c\x00\x00\x00\x08\xff\xff\xff\xff\xff\xff\xff\xff")   # a BaseCommand that is not protobuf
    assert bad.read_frame() is None
    oversized = RawConnection(emulator.host, emulator.port)
    oversized.send(b"\x7f\xff\xff\xff")                     # a 2 GiB frame announced
    assert oversized.read_frame() is None
    producer.send(b"after garbage")
    assert [m.data() for m in receive_all(consumer, 2)] == [b"before garbage", b"after garbage"]
    client.close()


def test_a_bad_checksum_gets_send_error_and_stores_nothing(emulator, topic):
    client = emulator.client()
    consumer = client.subscribe(topic, "sub")
    connection, _ = connected(emulator)
    producer_fields = field_bytes(1, topic.encode()) + field_varint(2, 1) + field_varint(3, 1)
    connection.send(frame(5, producer_fields))
    assert connection.read_frame()[0] == 17                 # PRODUCER_SUCCESS
    send = bytearray(fixture("client-send.hex"))
    send[-1] ^= 0xFF                                        # corrupt the payload; the checksum no longer matches
    connection.send(bytes(send))
    type_number, fields = connection.read_frame()
    assert type_number == 8 and fields[3] == [9]            # SEND_ERROR ChecksumError
    # Checked on the broker's own state, not through a consumer (which would drop a bad checksum silently).
    stats = admin_json(emulator, "/admin/v2/" + topic.replace("persistent://", "persistent/") + "/internalStats")
    assert stats["entriesAddedCounter"] == 0 and stats["numberOfEntries"] == 0
    producer = client.create_producer(topic)
    producer.send(b"good")
    assert consumer.receive(timeout_millis=5000).data() == b"good"
    client.close()
    connection.close()


def test_a_silent_connection_is_closed_after_the_keep_alive_timeout():
    emulator = Emulator("--keep-alive-seconds", "1")
    try:
        connection, _ = connected(emulator)
        assert connection.read_frame()[0] == 18             # the broker pings an idle connection
        assert connection.read_frame() is None              # and closes it when no answer comes
        connection.close()
    finally:
        emulator.stop()


def test_a_client_that_answers_pings_stays_connected():
    emulator = Emulator("--keep-alive-seconds", "1")
    try:
        connection, _ = connected(emulator)
        for _ in range(3):
            assert connection.read_frame()[0] == 18
            connection.send(fixture("client-pong.hex"))
        connection.send(fixture("client-ping.hex"))
        assert connection.read_frame()[0] == 19
        connection.close()
    finally:
        emulator.stop()


def test_the_emulator_serves_the_official_client_after_many_connections_come_and_go(emulator, topic):
    for _ in range(20):
        RawConnection(emulator.host, emulator.port).close()
    client = emulator.client()
    consumer = client.subscribe(topic, "sub")
    client.create_producer(topic).send(b"still here")
    assert consumer.receive(timeout_millis=5000).data() == b"still here"
    client.close()
