"""Minimal raw-socket helpers for protocol-level interop tests: read golden frames from Fixtures/frames, send raw
bytes, read frames back and pick fields out of them. Read-only protobuf parsing; frames we send are either
captured bytes or assembled by hand here."""
import os
import socket
import struct
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COMMAND_NAMES = {2: "CONNECT", 3: "CONNECTED", 13: "SUCCESS", 14: "ERROR", 18: "PING", 19: "PONG",
                 21: "PARTITIONED_METADATA", 22: "PARTITIONED_METADATA_RESPONSE", 24: "LOOKUP_RESPONSE"}


def fixture(name):
    """The bytes of a golden frame file."""
    with open(os.path.join(ROOT, "Fixtures", "frames", name), encoding="utf-8") as handle:
        return bytes.fromhex("".join(line.strip() for line in handle if not line.startswith("#")))


def varint(value):
    out = bytearray()
    value &= (1 << 64) - 1
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    return varint(number << 3 | 2) + varint(len(data)) + data


def frame(type_number, sub_fields=b""):
    """A simple frame whose BaseCommand has `type_number` and the given sub-command fields."""
    command = field_varint(1, type_number) + field_bytes(type_number, sub_fields)
    return struct.pack(">II", len(command) + 4, len(command)) + command


def parse_fields(data):
    """{field number: [values]} of a protobuf message (varints as ints, length-delimited as bytes)."""
    fields, index = {}, 0
    while index < len(data):
        key, index = read_varint(data, index)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, index = read_varint(data, index)
        elif wire == 2:
            length, index = read_varint(data, index)
            value, index = data[index:index + length], index + length
        elif wire == 1:
            value, index = data[index:index + 8], index + 8
        elif wire == 5:
            value, index = data[index:index + 4], index + 4
        else:
            raise ValueError(f"wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def read_varint(data, index):
    result, shift = 0, 0
    while True:
        byte = data[index]
        index += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, index
        shift += 7


class RawConnection:
    """A raw TCP connection to the broker."""

    def __init__(self, host, port, timeout=5):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def read_frame(self):
        """(type number, sub-command fields) of the next frame, or None when the broker closed the connection.
        Raises socket.timeout when no whole frame has come within the socket's timeout."""
        deadline = time.monotonic() + self.sock.gettimeout()
        while len(self.buffer) < 4 or len(self.buffer) < 4 + struct.unpack(">I", self.buffer[:4])[0]:
            if time.monotonic() >= deadline:
                raise socket.timeout(f"no whole frame within {self.sock.gettimeout()} s ({len(self.buffer)} bytes)")
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        total = struct.unpack(">I", self.buffer[:4])[0]
        data, self.buffer = self.buffer[4:4 + total], self.buffer[4 + total:]
        command_size = struct.unpack(">I", data[:4])[0]
        base = parse_fields(data[4:4 + command_size])
        type_number = base[1][0]
        sub = parse_fields(base.get(type_number, [b""])[0])
        return type_number, sub

    def is_closed_by_peer(self):
        """True once the broker has closed the connection (reads end of stream); False if it has not within the
        socket's timeout."""
        deadline = time.monotonic() + self.sock.gettimeout()
        try:
            while time.monotonic() < deadline:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buffer += chunk
        except socket.timeout:
            return False
        return False

    def close(self):
        self.sock.close()
