"""Interop test harness: the official Apache Pulsar client (PyPI pulsar-client) against the PulsarKit emulator.

Each test gets its own emulator process on an ephemeral loopback port (start-up takes milliseconds), built by
scripts/test and located through $PULSARKIT_EMULATOR.
"""
import json
import os
import queue
import signal
import subprocess
import threading
import time
import urllib.request
import uuid

import pulsar
import pytest

EMULATOR = os.environ.get("PULSARKIT_EMULATOR", ".build/debug/pulsar-emulator")
QUIET = pulsar.ConsoleLogger(pulsar.LoggerLevel.Error)


def readline_within(stream, seconds, what):
    """The next line of a child process's pipe, or an AssertionError naming `what` if none comes within `seconds`.

    readline() alone would wait forever for a child that hangs before printing; the read runs on a daemon thread
    and is abandoned (the caller kills the child) when the deadline passes."""
    lines = queue.Queue(maxsize=1)
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=seconds)
    except queue.Empty:
        raise AssertionError(f"{what}: no line within {seconds} s") from None


def terminate(process):
    """Stops a child process: SIGTERM, then SIGKILL if it has not exited within 10 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(condition, what, deadline_seconds=10):
    """Polls `condition` (broker-side state with no event to await) until it holds; fails after the deadline."""
    deadline = time.monotonic() + deadline_seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {deadline_seconds} s waiting for {what}"
        time.sleep(0.005)


class Emulator:
    """A running pulsar-emulator process."""

    def __init__(self, *args, preexec_fn=None):
        """Starts the emulator with extra flags; `preexec_fn` runs in the child first (e.g. to lower its limits)."""
        self.process = subprocess.Popen(
            [EMULATOR, "--port", "0", "--admin-port", "0", "--log-level", "warn", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec_fn)
        try:
            line = readline_within(self.process.stdout, 30, "pulsar-emulator ready")
        except AssertionError:
            self.process.kill()
            raise
        if not line.startswith("pulsar-emulator ready "):
            self.process.kill()
            raise RuntimeError(f"emulator did not start: {line!r} {self.process.stderr.read()}")
        # Standard error is read all along (a pipe nobody reads fills up), and kept for stop() to return.
        self._stderr = []
        self._stderr_reader = threading.Thread(target=lambda: self._stderr.extend(self.process.stderr), daemon=True)
        self._stderr_reader.start()
        self.url = line.split()[2]
        host_port = self.url[len("pulsar://"):]
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)
        # With the admin HTTP port on (the default), a second line gives its URL.
        self.admin_url = None
        if "--admin-port" not in args or args[args.index("--admin-port") + 1] != "off":
            try:
                admin = readline_within(self.process.stdout, 30, "pulsar-emulator admin")
            except AssertionError:
                self.process.kill()
                raise
            if not admin.startswith("pulsar-emulator admin "):
                self.process.kill()
                raise RuntimeError(f"emulator did not report its admin URL: {admin!r}")
            self.admin_url = admin.split()[2]

    def advance_clock(self, milliseconds, token=None):
        """Moves the emulator's manual clock (started with --manual-clock) and runs the timers that became due.
        With authentication on, `token` is a superuser's."""
        request = urllib.request.Request(f"{self.admin_url}/pulsarkit/clock/advance?ms={milliseconds}", method="POST", data=b"")
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["now"]

    def client(self, **options):
        options.setdefault("operation_timeout_seconds", 10)
        options.setdefault("logger", QUIET)
        return pulsar.Client(self.url, **options)

    def stderr_so_far(self):
        """What the emulator wrote to standard error until now."""
        return "".join(list(self._stderr))

    def stop(self):
        """Stops the emulator (SIGTERM, then SIGKILL after 10 s) and returns everything it wrote to standard error."""
        terminate(self.process)
        self._stderr_reader.join(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()
        return "".join(self._stderr)


@pytest.fixture
def emulator():
    instance = Emulator()
    yield instance
    stderr = instance.stop()
    assert "stopped" in stderr, f"emulator did not stop cleanly: {stderr}"


@pytest.fixture
def make_emulator():
    """Starts emulators with extra command-line flags; stops them after the test."""
    started = []

    def start(*args):
        instance = Emulator(*args)
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


@pytest.fixture
def client(emulator):
    instance = emulator.client()
    yield instance
    instance.close()


@pytest.fixture
def topic():
    return f"persistent://public/default/interop-{uuid.uuid4().hex[:12]}"


def receive_all(consumer, count, timeout_millis=5000, ack=True):
    """Receives exactly `count` messages (acknowledging them unless told not to)."""
    messages = []
    for _ in range(count):
        message = consumer.receive(timeout_millis=timeout_millis)
        if ack:
            consumer.acknowledge(message)
        messages.append(message)
    return messages


def receive_from(consumers, count, ack=True, deadline_seconds=30):
    """Receives `count` messages in all from `consumers` (polled in turn) and returns each consumer's share, in order.
    The total ends it, not a quiet spell (which a loaded machine can produce at any moment); fails if the messages
    have not all come within `deadline_seconds`."""
    shares = [[] for _ in consumers]
    deadline = time.monotonic() + deadline_seconds
    while sum(map(len, shares)) < count:
        assert time.monotonic() < deadline, f"only {sum(map(len, shares))} of {count} messages in {deadline_seconds} s"
        for share, consumer in zip(shares, consumers):
            try:
                message = consumer.receive(timeout_millis=20)
            except pulsar.Timeout:
                continue
            if ack:
                consumer.acknowledge(message)
            share.append(message)
    return shares


def assert_marker_next(consumer, producer, marker=b"marker"):
    """Proves that nothing more is due on `consumer` without waiting out a silence: `producer` (of the consumer's
    topic) sends `marker`, and it must be the next message (the broker dispatches in order, redeliveries first)."""
    producer.send(marker)
    message = consumer.receive(timeout_millis=10_000)
    consumer.acknowledge(message)
    assert message.data() == marker, f"{message.data()!r} came before the marker"


def topic_stats(emulator, topic):
    """The admin API's stats of `topic` (the broker's state once every request sent before has been handled)."""
    path = topic.replace("persistent://", "persistent/").replace("non-persistent://", "non-persistent/")
    with urllib.request.urlopen(f"{emulator.admin_url}/admin/v2/{path}/stats", timeout=10) as response:
        return json.load(response)
