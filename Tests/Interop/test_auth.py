"""JWT authentication and authorization: the official client and raw CONNECT frames against the emulator with auth on,
and tokens crossing between `pulsar-emulator tokens` and an independent JWT implementation (PyJWT + cryptography).

The official C++ client (PyPI pulsar-client) treats ERROR(AuthenticationError) on CONNECT as retryable and reports a
timeout or connect error (apache/pulsar#19881), so the broker side of a refusal is proven with raw CONNECT frames: the
ERROR frame, its code, request id 2^64-1, and the socket closed promptly. The Swift client's fail-fast auth error is
proven in Tests/PulsarClientTests/Behaviour/EmulatorAuthenticationTests.swift.
"""
import base64
import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import jwt
import pulsar
import pytest
from cryptography.hazmat.primitives import serialization

from conftest import EMULATOR, Emulator, receive_all
from wire import ROOT, RawConnection, field_bytes, field_varint, fixture, frame, parse_fields

JWT_DIR = os.path.join(ROOT, "Fixtures", "jwt")
SECRET_FILE = os.path.join(JWT_DIR, "hs256-secret.key")
with open(SECRET_FILE, "rb") as handle:
    SECRET = handle.read()
OTHER_SECRET = bytes(range(32))
REQUEST_ID_CONNECTION = 2**64 - 1
AUTHENTICATION_ERROR, AUTHORIZATION_ERROR = 3, 4
ERROR, CONNECTED, AUTH_CHALLENGE, AUTH_RESPONSE, PONG = 14, 3, 36, 37, 19

# The official client's CONNECT with a token (Fixtures/frames/client-connect-token.hex): its fields are reused, only
# the credentials change.
CAPTURED_CONNECT = parse_fields(parse_fields(fixture("client-connect-token.hex")[8:])[2][0])


def connect_frame(token, method="token", refresh=True):
    """A CONNECT like the official client's, with `token` (None: no credentials) and the auth-refresh flag."""
    fields = field_bytes(1, CAPTURED_CONNECT[1][0])
    if token is not None:
        fields += field_bytes(3, token.encode() if isinstance(token, str) else token)
    fields += field_varint(4, CAPTURED_CONNECT[4][0])
    if method is not None:
        fields += field_bytes(5, method.encode())
    fields += field_bytes(10, field_varint(1, 1 if refresh else 0) + field_varint(2, 1))
    return frame(2, fields)


def auth_response_frame(token):
    auth_data = field_bytes(1, b"token") + field_bytes(2, token.encode())
    return frame(37, field_bytes(1, b"interop") + field_bytes(2, auth_data) + field_varint(3, 20))


def hs256(role, expires_in=3600, key=SECRET, **claims):
    payload = {"sub": role, **claims}
    if expires_in is not None:
        payload["exp"] = int(time.time()) + expires_in
    return jwt.encode(payload, key, algorithm="HS256")


def private_pem(name):
    with open(os.path.join(JWT_DIR, name), "rb") as handle:
        return handle.read()


@pytest.fixture
def auth_emulator():
    """Auth on with the fixture HS256 secret; 'admin' is a superuser, 'app' may produce and consume in public/default."""
    instance = Emulator("--auth-secret-key", SECRET_FILE, "--superuser-roles", "admin",
                        "--grant", "app:public/default:produce,consume", "--auth-refresh-check-seconds", "1")
    yield instance
    stderr = instance.stop()
    assert "stopped" in stderr, f"emulator did not stop cleanly: {stderr}"


def refused_on_the_wire(emulator, connect):
    """Sends `connect` and returns the ERROR's fields, checking the broker closes the socket promptly afterwards."""
    connection = RawConnection(emulator.host, emulator.port)
    connection.send(connect)
    type_number, fields = connection.read_frame()
    assert type_number == ERROR, f"expected ERROR, got {type_number}"
    assert fields[1] == [REQUEST_ID_CONNECTION], "connection-level request id 2^64-1"
    assert fields[2] == [AUTHENTICATION_ERROR]
    # At once, not after the keep-alive (30 s) or the client's next move; 5 s leaves room for a loaded machine.
    connection.sock.settimeout(5.0)
    started = time.monotonic()
    assert connection.is_closed_by_peer(), "the broker closes the connection"
    assert time.monotonic() - started < 5.0
    connection.close()
    return fields[3][0].decode()


# MARK: the official client with a good token

def test_the_official_client_with_a_good_token_produces_and_consumes(auth_emulator, topic):
    client = auth_emulator.client(authentication=pulsar.AuthenticationToken(hs256("app")))
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic)
    for index in range(3):
        producer.send(f"secret-{index}".encode())
    assert [m.data() for m in receive_all(consumer, 3)] == [b"secret-0", b"secret-1", b"secret-2"]
    client.close()


@pytest.mark.parametrize("key_file,private,algorithm", [
    ("rsa-public.pem", "rsa-private.pem", "RS256"),
    ("rsa-public.der", "rsa-private.pem", "RS512"),
    ("ec-public.pem", "ec-private.pem", "ES256"),
])
def test_public_key_tokens_minted_by_pyjwt(key_file, private, algorithm, topic):
    emulator = Emulator("--auth-public-key", os.path.join(JWT_DIR, key_file), "--auth-public-alg", algorithm[:2] + "256",
                        "--no-authorization")
    try:
        token = jwt.encode({"sub": "svc"}, private_pem(private), algorithm=algorithm)
        client = emulator.client(authentication=pulsar.AuthenticationToken(token))
        client.create_producer(topic).send(b"signed")
        client.close()
        other = jwt.encode({"sub": "svc"}, SECRET, algorithm="HS256")
        assert "algorithmMismatch" in refused_on_the_wire(emulator, connect_frame(other))
    finally:
        assert "stopped" in emulator.stop()


def test_a_token_supplier_is_asked_again_when_the_token_expires(topic):
    emulator = Emulator("--auth-secret-key", SECRET_FILE, "--no-authorization", "--auth-refresh-check-seconds", "1")
    minted = []
    changed = threading.Condition()

    def supplier():
        with changed:
            minted.append(hs256("app", expires_in=2))
            changed.notify_all()
            return minted[-1]

    try:
        client = emulator.client(authentication=pulsar.AuthenticationToken(supplier))
        producer = client.create_producer(topic)
        producer.send(b"first")
        with changed:
            connects = len(minted)
            changed.wait_for(lambda: len(minted) >= connects + 2, timeout=10)
            assert len(minted) >= connects + 2, "AUTH_CHALLENGE made the client fetch fresh tokens"
        producer.send(b"after refresh")
        client.close()
    finally:
        stderr = emulator.stop()
    assert "stopped" in stderr
    assert "closed:" not in stderr, f"the emulator closed a connection for authentication: {stderr}"


# MARK: refusals, on the wire and through the official client

REFUSALS = {
    "garbage": (lambda: "not-a-jwt", "malformedToken"),
    "tampered": (lambda: hs256("app")[:-4] + "AAAA", "invalidSignature"),
    "expired": (lambda: hs256("app", expires_in=-10), "expired"),
    "not yet valid": (lambda: hs256("app", nbf=int(time.time()) + 3600), "notYetValid"),
    "wrong key": (lambda: hs256("app", key=OTHER_SECRET), "invalidSignature"),
    "alg none": (lambda: jwt.encode({"sub": "admin"}, None, algorithm="none"), "unsupportedAlgorithm"),
    "no role claim": (lambda: jwt.encode({"name": "app"}, SECRET, algorithm="HS256"), "missingRoleClaim"),
}


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_a_bad_token_gets_error_authentication_error_and_the_socket_closes(auth_emulator, kind):
    make, code = REFUSALS[kind]
    message = refused_on_the_wire(auth_emulator, connect_frame(make()))
    assert message.startswith(f"Unable to authenticate ({code}):"), message


@pytest.mark.parametrize("token,method,expected", [
    (None, None, "carries no credentials"),
    (None, "none", "carries no credentials"),
    ("", "token", "the token is empty"),
    ("abc", "tls", 'unknown authentication method "tls"'),
])
def test_missing_credentials_or_an_unknown_method_are_refused(auth_emulator, token, method, expected):
    assert expected in refused_on_the_wire(auth_emulator, connect_frame(token, method))


def test_the_official_clients_unauthenticated_connect_is_refused(auth_emulator):
    assert "carries no credentials" in refused_on_the_wire(auth_emulator, fixture("client-connect.hex"))


def test_the_captured_connect_with_a_throwaway_key_is_refused(auth_emulator):
    assert "invalidSignature" in refused_on_the_wire(auth_emulator, fixture("client-connect-token.hex"))


@pytest.mark.parametrize("kind", ["expired", "wrong key", "alg none", "missing"])
def test_the_official_client_does_not_get_through_with_a_bad_token(auth_emulator, topic, kind):
    options = {"operation_timeout_seconds": 3}
    if kind != "missing":
        options["authentication"] = pulsar.AuthenticationToken(REFUSALS[kind][0]())
    client = auth_emulator.client(**options)
    started = time.monotonic()
    # The C++ client retries an auth refusal as a connection failure until its operation timeout (see the module doc).
    # pulsar-client 3.13.0 (Tests/Interop/requirements.txt) reports it as pulsar.Timeout every time; the broker's
    # ERROR(AuthenticationError) itself is asserted on the wire above.
    with pytest.raises(pulsar.Timeout):
        client.create_producer(topic)
    assert time.monotonic() - started < 15
    client.close()


def test_an_expired_token_on_an_open_connection_is_challenged_and_can_be_refreshed(make_emulator):
    # On the manual clock (started at the wall-clock time) expiry and the 1 s checks happen when the test moves time.
    emulator = make_emulator("--auth-secret-key", SECRET_FILE, "--superuser-roles", "admin",
                             "--grant", "app:public/default:produce,consume", "--auth-refresh-check-seconds", "1",
                             "--manual-clock")
    connection = RawConnection(emulator.host, emulator.port)
    connection.send(connect_frame(hs256("app", expires_in=2)))
    assert connection.read_frame()[0] == CONNECTED
    emulator.advance_clock(5_000, token=hs256("admin"))     # past the token's expiry and a check
    type_number, fields = connection.read_frame()
    assert type_number == AUTH_CHALLENGE
    assert parse_fields(fields[2][0]) == {1: [b"token"], 2: [b"PulsarAuthRefresh"]}
    connection.send(auth_response_frame(hs256("app", expires_in=3600)))
    connection.send(fixture("client-ping.hex"))
    assert connection.read_frame()[0] == PONG       # the AUTH_RESPONSE before this PING has been handled
    emulator.advance_clock(3_000, token=hs256("admin"))     # a check that would close a connection on the old token
    connection.send(fixture("client-ping.hex"))
    assert connection.read_frame()[0] == PONG, "refreshed: the connection stays"
    connection.close()


def test_an_invalid_auth_response_gets_an_error_and_a_close(auth_emulator):
    connection = RawConnection(auth_emulator.host, auth_emulator.port)
    connection.send(connect_frame(hs256("app", expires_in=2)))
    assert connection.read_frame()[0] == CONNECTED
    assert connection.read_frame()[0] == AUTH_CHALLENGE
    connection.send(auth_response_frame(hs256("someone-else")))
    type_number, fields = connection.read_frame()
    assert (type_number, fields[1], fields[2]) == (ERROR, [REQUEST_ID_CONNECTION], [AUTHENTICATION_ERROR])
    assert b"the role cannot change" in fields[3][0]
    assert connection.read_frame() is None
    connection.close()


def test_a_client_without_auth_refresh_is_disconnected_when_its_token_expires(auth_emulator):
    connection = RawConnection(auth_emulator.host, auth_emulator.port)
    connection.send(connect_frame(hs256("app", expires_in=2), refresh=False))
    assert connection.read_frame()[0] == CONNECTED
    assert connection.read_frame() is None, "closed without a challenge"
    connection.close()


# MARK: authorization

def test_a_role_without_grants_is_refused_with_authorization_error(auth_emulator, topic):
    client = auth_emulator.client(authentication=pulsar.AuthenticationToken(hs256("stranger")),
                                  operation_timeout_seconds=3)
    # AuthorizationError, not Timeout: the client took the broker's answer and did not retry until the 3 s timeout.
    with pytest.raises(pulsar.AuthorizationError):
        client.create_producer(topic)
    with pytest.raises(pulsar.AuthorizationError):
        client.subscribe(topic, "sub")
    client.close()
    admin = auth_emulator.client(authentication=pulsar.AuthenticationToken(hs256("admin")))
    admin.create_producer("persistent://elsewhere/ns/t").send(b"superuser")
    admin.close()


def test_partitioned_metadata_and_lookup_are_refused_on_the_wire(auth_emulator):
    connection = RawConnection(auth_emulator.host, auth_emulator.port)
    connection.send(connect_frame(hs256("stranger")))
    assert connection.read_frame()[0] == CONNECTED
    connection.send(fixture("client-partitioned-metadata.hex"))
    type_number, fields = connection.read_frame()
    assert type_number == 22 and fields[3] == [1] and fields[4] == [AUTHORIZATION_ERROR]
    connection.send(fixture("client-lookup.hex"))
    type_number, fields = connection.read_frame()
    assert type_number == 24 and fields[3] == [2] and fields[6] == [AUTHORIZATION_ERROR]
    assert b"Client is not authorized to Perform Lookup" in fields[7][0]
    connection.send(fixture("client-ping.hex"))
    assert connection.read_frame()[0] == PONG, "an authorization refusal keeps the connection"
    connection.close()


# MARK: admin REST

def http(emulator, method, path, token=None, body=None):
    request = urllib.request.Request(emulator.admin_url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_admin_rest_needs_a_bearer_token_and_a_superuser(auth_emulator):
    assert http(auth_emulator, "GET", "/admin/v2/tenants")[0] == 401
    assert http(auth_emulator, "GET", "/admin/v2/tenants", token="nonsense")[0] == 401
    assert http(auth_emulator, "GET", "/admin/v2/tenants", token=hs256("admin", key=OTHER_SECRET))[0] == 401
    assert http(auth_emulator, "GET", "/admin/v2/tenants", token=hs256("app"))[0] == 403
    status, body = http(auth_emulator, "GET", "/admin/v2/tenants", token=hs256("admin"))
    assert status == 200 and "public" in json.loads(body)
    for path in ["/admin/v2/brokers/health", "/admin/v2/brokers/ready", "/status.html", "/metrics"]:
        assert http(auth_emulator, "GET", path)[0] == 200, path


def test_grant_permission_through_the_admin_rest_api(auth_emulator, topic):
    admin = hs256("admin")
    client = auth_emulator.client(authentication=pulsar.AuthenticationToken(hs256("late")), operation_timeout_seconds=3)
    with pytest.raises(pulsar.AuthorizationError):
        client.create_producer(topic)
    path = "/admin/v2/namespaces/public/default/permissions"
    assert http(auth_emulator, "POST", path + "/late", token=admin, body=["produce"])[0] == 204
    assert json.loads(http(auth_emulator, "GET", path, token=admin)[1]) == {"app": ["consume", "produce"], "late": ["produce"]}
    client.create_producer(topic).send(b"granted")
    topic_path = "/admin/v2/persistent/" + topic[len("persistent://"):] + "/permissions"
    assert http(auth_emulator, "POST", topic_path + "/reader", token=admin, body=["consume"])[0] == 204
    assert json.loads(http(auth_emulator, "GET", topic_path, token=admin)[1])["reader"] == ["consume"]
    assert http(auth_emulator, "DELETE", path + "/late", token=admin)[0] == 204
    with pytest.raises(pulsar.AuthorizationError):
        client.create_producer(topic)
    client.close()


# MARK: tokens across implementations

def run_tokens(*args, check=True):
    return subprocess.run([EMULATOR, "tokens", *args], capture_output=True, text=True, check=check, timeout=60)


def test_tokens_minted_by_the_cli_verify_with_pyjwt():
    with tempfile.TemporaryDirectory() as directory:
        secret_file = os.path.join(directory, "secret.key")
        run_tokens("create-secret-key", "--output", secret_file)
        with open(secret_file, "rb") as handle:
            secret = handle.read()
        assert len(secret) == 32
        token = run_tokens("create", "--secret-key", secret_file, "--subject", "cli-role", "--expiry-time", "1h").stdout.strip()
        assert jwt.get_unverified_header(token) == {"alg": "HS256"}
        claims = jwt.decode(token, secret, algorithms=["HS256"])
        assert claims["sub"] == "cli-role" and abs(claims["exp"] - (time.time() + 3600)) < 10
        assert len(base64.b64decode(run_tokens("create-secret-key", "--base64").stdout, validate=True)) == 32

        for algorithm in ["RS256", "ES256"]:
            private, public = os.path.join(directory, f"{algorithm}.key"), os.path.join(directory, f"{algorithm}.pub")
            run_tokens("create-key-pair", "--signature-algorithm", algorithm,
                       "--output-private-key", private, "--output-public-key", public)
            with open(private, "rb") as handle:
                serialization.load_der_private_key(handle.read(), None)   # PKCS #8 DER, as `pulsar tokens` writes
            with open(public, "rb") as handle:
                public_key = serialization.load_der_public_key(handle.read())
            token = run_tokens("create", "--private-key", private, "--subject", "pair-role").stdout.strip()
            assert jwt.decode(token, public_key, algorithms=[algorithm]) == {"sub": "pair-role"}


def test_tokens_minted_by_pyjwt_validate_with_the_cli_and_the_emulator(topic):
    token = hs256("py-role")
    result = run_tokens("validate", "--secret-key", SECRET_FILE, token)
    assert json.loads(result.stdout)["sub"] == "py-role"
    assert run_tokens("validate", "--secret-key", SECRET_FILE, hs256("x", key=OTHER_SECRET), check=False).returncode == 1
    assert run_tokens("validate", "--secret-key", SECRET_FILE, hs256("x", expires_in=-5), check=False).returncode == 1
    rsa = jwt.encode({"sub": "rsa-role"}, private_pem("rsa-private.pem"), algorithm="RS256")
    assert json.loads(run_tokens("validate", "-pk", os.path.join(JWT_DIR, "rsa-public.der"), rsa).stdout) == {"sub": "rsa-role"}

    with tempfile.TemporaryDirectory() as directory:
        secret_file = os.path.join(directory, "secret.key")
        run_tokens("create-secret-key", "--output", secret_file)
        emulator = Emulator("--auth-secret-key", secret_file, "--no-authorization")
        try:
            with open(secret_file, "rb") as handle:
                py_token = hs256("py", key=handle.read())
            cli_token = run_tokens("create", "-sk", "file://" + secret_file, "-s", "cli", "-e", "10m").stdout.strip()
            for token in [py_token, cli_token]:
                client = emulator.client(authentication=pulsar.AuthenticationToken(token))
                client.create_producer(topic).send(token.encode())
                client.close()
        finally:
            assert "stopped" in emulator.stop()
