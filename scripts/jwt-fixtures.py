#!/usr/bin/env python3
"""Independent JWT implementation (PyJWT + cryptography) for PulsarAuth's tests.

Two jobs:

  generate OUT_DIR   Write the committed fixtures in Fixtures/jwt (keys, tokens.json,
                     README.md). Run ONCE; the outputs are random (new keys every run),
                     so re-running replaces every fixture and the README's provenance.

  verify             Read JSON from stdin and verify tokens minted elsewhere (the Swift
                     tests pipe their tokens here when PULSARKIT_PYTHON is set):
                       {"cases": [{"name": ..., "token": ..., "algorithm": "RS256",
                                   "secretBase64": ... | "publicKeyPEM": ...,
                                   "expectedSubject": ..., "expectedExp": int|null}]}
                     Prints one line per case and a summary; exits 1 on any failure.

Setup:  python=$(scripts/interop-venv)   # .venv-interop/ with PyJWT and cryptography; then "$python" scripts/jwt-fixtures.py
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import platform
import sys

import cryptography
import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

NOW = 1700000000          # the validation time every fixture's expectation assumes
FAR_FUTURE = 4102444800   # 2100-01-01T00:00:00Z
PAST = 1600000000         # 2020-09-13, before NOW


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact_json(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def write(path: str, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)


def der_to_raw_p256(signature: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    r, s = decode_dss_signature(signature)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def generate(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    pkcs8 = serialization.PrivateFormat.PKCS8
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    pem = serialization.Encoding.PEM
    plain = serialization.NoEncryption()

    hs256_secret = os.urandom(32)       # what `pulsar tokens create-secret-key` makes
    hs512_secret = os.urandom(64)       # long enough for HS384 and HS512
    write(f"{out_dir}/hs256-secret.key", hs256_secret)
    write(f"{out_dir}/hs256-secret.key.b64", base64.b64encode(hs256_secret))
    write(f"{out_dir}/hs512-secret.key", hs512_secret)

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    for name, key in (("rsa", rsa_key), ("ec", ec_key)):
        write(f"{out_dir}/{name}-private.der", key.private_bytes(der, pkcs8, plain))
        write(f"{out_dir}/{name}-public.der", key.public_key().public_bytes(der, spki))
        write(f"{out_dir}/{name}-private.pem", key.private_bytes(pem, pkcs8, plain))
        write(f"{out_dir}/{name}-public.pem", key.public_key().public_bytes(pem, spki))
    rsa_public_pem = rsa_key.public_key().public_bytes(pem, spki)

    no_typ = {"typ": None}   # Pulsar's CLI writes only "alg"
    std = {"sub": "alice", "exp": FAR_FUTURE}
    tokens = []

    def add(name, token, key, expect, description, role=None, exp=None, **config):
        entry = {"name": name, "token": token, "key": key, "expect": expect, "description": description}
        if expect == "valid":
            entry["expectedRole"] = role
            entry["expectedExpiresAt"] = exp
        entry.update(config)
        tokens.append(entry)

    add("hs256-valid", jwt.encode(std, hs256_secret, "HS256", headers=no_typ), "hs256-secret.key",
        "valid", "HS256, Pulsar-style header without typ", "alice", FAR_FUTURE)
    add("hs256-valid-base64-key", jwt.encode({"sub": "bob", "exp": FAR_FUTURE}, hs256_secret, "HS256"),
        "hs256-secret.key.b64", "valid", "HS256 verified with the base64 form of the secret", "bob", FAR_FUTURE)
    add("hs256-no-exp", jwt.encode({"sub": "forever"}, hs256_secret, "HS256", headers=no_typ),
        "hs256-secret.key", "valid", "no exp claim: never expires", "forever", None)
    add("hs384-valid", jwt.encode(std, hs512_secret, "HS384"), "hs512-secret.key",
        "valid", "HS384 with a 64-byte secret", "alice", FAR_FUTURE)
    add("hs512-valid", jwt.encode(std, hs512_secret, "HS512"), "hs512-secret.key",
        "valid", "HS512 with a 64-byte secret", "alice", FAR_FUTURE)
    add("hs512-weak-key", jwt.encode(std, hs256_secret, "HS512"), "hs256-secret.key",
        "invalidKey", "HS512 signed with a 32-byte secret: shorter than the 64 bytes RFC 7518 requires")
    add("rs256-valid", jwt.encode(std, rsa_key, "RS256", headers=no_typ), "rsa-public.der",
        "valid", "RS256 verified with the SPKI DER public key", "alice", FAR_FUTURE)
    add("rs256-valid-pem-key", jwt.encode({"sub": "carol", "exp": FAR_FUTURE}, rsa_key, "RS256"), "rsa-public.pem",
        "valid", "RS256 verified with the PEM public key", "carol", FAR_FUTURE)
    add("rs384-valid", jwt.encode(std, rsa_key, "RS384"), "rsa-public.der",
        "valid", "RS384 with the same RSA key", "alice", FAR_FUTURE)
    add("rs512-valid", jwt.encode(std, rsa_key, "RS512"), "rsa-public.der",
        "valid", "RS512 with the same RSA key", "alice", FAR_FUTURE)
    add("es256-valid", jwt.encode(std, ec_key, "ES256", headers=no_typ), "ec-public.der",
        "valid", "ES256 (raw r||s signature) verified with the SPKI DER public key", "alice", FAR_FUTURE,
        publicAlgorithm="ES256")
    add("es256-valid-pem-key", jwt.encode({"sub": "dave", "exp": FAR_FUTURE}, ec_key, "ES256"), "ec-public.pem",
        "valid", "ES256 verified with the PEM public key", "dave", FAR_FUTURE, publicAlgorithm="ES256")
    add("rs256-expired", jwt.encode({"sub": "alice", "exp": PAST}, rsa_key, "RS256"), "rsa-public.der",
        "expired", "exp is before now")
    add("hs256-exp-equals-now", jwt.encode({"sub": "alice", "exp": NOW}, hs256_secret, "HS256"), "hs256-secret.key",
        "expired", "exp equal to now counts as expired (exp must be > now)")
    add("hs256-not-yet-valid", jwt.encode({"sub": "alice", "exp": FAR_FUTURE, "nbf": NOW + 3600}, hs256_secret, "HS256"),
        "hs256-secret.key", "notYetValid", "nbf is an hour after now")
    add("hs256-nbf-equals-now", jwt.encode({"sub": "alice", "nbf": NOW}, hs256_secret, "HS256"),
        "hs256-secret.key", "valid", "nbf equal to now is accepted", "alice", None)
    add("rs256-role-list", jwt.encode({"sub": "ignored", "roles": ["admin", "reader"], "exp": FAR_FUTURE}, rsa_key, "RS256"),
        "rsa-public.der", "valid", "role claim 'roles' is a list: its first element is the role", "admin", FAR_FUTURE,
        roleClaim="roles")
    add("hs256-missing-sub", jwt.encode({"name": "nobody", "exp": FAR_FUTURE}, hs256_secret, "HS256"),
        "hs256-secret.key", "missingRoleClaim", "no sub claim")
    add("hs256-aud-string", jwt.encode({"sub": "alice", "aud": "pulsar-broker"}, hs256_secret, "HS256"),
        "hs256-secret.key", "valid", "aud string equals the required audience", "alice", None,
        audienceClaim="aud", audience="pulsar-broker")
    add("hs256-aud-list", jwt.encode({"sub": "alice", "aud": ["other", "pulsar-broker"]}, hs256_secret, "HS256"),
        "hs256-secret.key", "valid", "aud list contains the required audience", "alice", None,
        audienceClaim="aud", audience="pulsar-broker")
    add("hs256-aud-mismatch", jwt.encode({"sub": "alice", "aud": "someone-else"}, hs256_secret, "HS256"),
        "hs256-secret.key", "audienceMismatch", "aud does not name this service",
        audienceClaim="aud", audience="pulsar-broker")
    add("hs256-aud-missing", jwt.encode({"sub": "alice"}, hs256_secret, "HS256"),
        "hs256-secret.key", "audienceMismatch", "no aud claim although an audience is required",
        audienceClaim="aud", audience="pulsar-broker")
    add("rs256-other-key", jwt.encode(std, other_rsa_key, "RS256"), "rsa-public.der",
        "invalidSignature", "signed by a different RSA key (not stored)")
    good = jwt.encode(std, rsa_key, "RS256").split(".")
    tampered = ".".join([good[0], b64url(compact_json({"sub": "admin", "exp": FAR_FUTURE})), good[2]])
    add("rs256-tampered-payload", tampered, "rsa-public.der", "invalidSignature",
        "payload replaced (sub=admin) after signing")
    good_es = jwt.encode(std, ec_key, "ES256").split(".")
    tampered_es = ".".join([good_es[0], b64url(compact_json({"sub": "admin", "exp": FAR_FUTURE})), good_es[2]])
    add("es256-tampered-payload", tampered_es, "ec-public.der", "invalidSignature",
        "payload replaced after signing", publicAlgorithm="ES256")
    signing_input = (b64url(compact_json({"alg": "ES256"})) + "." + b64url(compact_json(std))).encode()
    der_sig = ec_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
    add("es256-der-signature", signing_input.decode() + "." + b64url(der_sig), "ec-public.der", "invalidSignature",
        "ES256 signature in DER form instead of JWS r||s", publicAlgorithm="ES256")
    raw_sig = der_to_raw_p256(der_sig)
    add("es256-manual-raw", signing_input.decode() + "." + b64url(raw_sig), "ec-public.der", "valid",
        "same signature converted to JWS r||s", "alice", FAR_FUTURE, publicAlgorithm="ES256")
    unsecured = b64url(compact_json({"alg": "none"})) + "." + b64url(compact_json(std)) + "."
    add("alg-none", unsecured, "hs256-secret.key", "unsupportedAlgorithm", "unsecured token (alg none, empty signature)")
    add("alg-none-rsa", unsecured, "rsa-public.der", "unsupportedAlgorithm", "unsecured token against an RSA key")
    confusion_input = (b64url(compact_json({"alg": "HS256", "typ": "JWT"})) + "." + b64url(compact_json(std))).encode()
    confusion_sig = hmac.new(rsa_public_pem, confusion_input, hashlib.sha256).digest()
    add("alg-confusion-hs256-with-rsa-public-key", confusion_input.decode() + "." + b64url(confusion_sig),
        "rsa-public.der", "algorithmMismatch",
        "HS256 token whose HMAC key is the RSA public key PEM (classic alg-confusion attack)")
    add("rs256-with-secret-key", jwt.encode(std, rsa_key, "RS256"), "hs256-secret.key", "algorithmMismatch",
        "RS256 token presented to a validator configured with a secret")
    add("es256-with-rsa-key", jwt.encode(std, ec_key, "ES256"), "rsa-public.der", "algorithmMismatch",
        "ES256 token presented to a validator configured with an RSA key")
    add("ps256-unsupported", jwt.encode(std, rsa_key, "PS256"), "rsa-public.der", "unsupportedAlgorithm",
        "RSASSA-PSS is not supported")
    add("two-segments", ".".join(good[:2]), "rsa-public.der", "malformedToken", "signature segment missing")
    add("bad-base64", good[0] + ".eyJzdWIi*.sig", "rsa-public.der", "malformedToken", "payload is not base64url")
    add("payload-not-object", good[0] + "." + b64url(b"[1,2,3]") + "." + good[2], "rsa-public.der",
        "malformedToken", "payload is a JSON array, not an object")

    manifest = {
        "now": NOW,
        "description": "Expected outcome of validating each token at time `now` (Unix seconds) with the key file "
                       "named in `key`. Secrets (*.key) are raw bytes, *.key.b64 holds base64 text; public keys "
                       "are SPKI DER or PEM. roleClaim defaults to sub; publicAlgorithm defaults to RS256 for RSA keys. "
                       "`expect` is \"valid\" or the expected AuthError code.",
        "tokens": tokens,
    }
    write(f"{out_dir}/tokens.json", (json.dumps(manifest, indent=2) + "\n").encode())
    write_readme(out_dir, tokens)
    print(f"wrote {len(tokens)} tokens and keys to {out_dir}")


def write_readme(out_dir: str, tokens) -> None:
    from cryptography.hazmat.backends.openssl.backend import backend
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    rows = "\n".join(f"| `{t['name']}` | `{t['key']}` | {t['expect']} | {t['description']} |" for t in tokens)
    text = f"""# JWT fixtures

Generated once on {today} by `scripts/jwt-fixtures.py generate Fixtures/jwt`, an implementation
independent of PulsarAuth: Python {platform.python_version()}, PyJWT {jwt.__version__},
cryptography {cryptography.__version__} ({backend.openssl_version_text()}).
The keys are random: running the script again replaces every file here (and this README).
Nothing here is secret; the keys exist only for tests.

## Keys

| file | content |
| --- | --- |
| `hs256-secret.key` | 32 random bytes, raw — the format of `pulsar tokens create-secret-key` |
| `hs256-secret.key.b64` | the same secret as base64 text (`create-secret-key --base64`), no newline |
| `hs512-secret.key` | 64 random bytes, raw, for HS384/HS512 (RFC 7518 wants key ≥ hash size) |
| `rsa-private.der` | RSA-2048 private key, PKCS #8 DER — the format of `pulsar tokens create-key-pair` |
| `rsa-public.der` | its public key, X.509 SubjectPublicKeyInfo DER |
| `rsa-private.pem`, `rsa-public.pem` | the same keys PEM-armoured (`PRIVATE KEY`, `PUBLIC KEY`) |
| `ec-private.der`, `ec-public.der` | EC P-256 key pair, PKCS #8 DER (OpenSSL layout, with the public point) / SPKI DER |
| `ec-private.pem`, `ec-public.pem` | the same keys PEM-armoured |

## Tokens

`tokens.json` lists every token with the key file to validate it with, optional validator
settings (`roleClaim`, `audienceClaim`, `audience`, `publicAlgorithm`) and the expected
outcome at `now` = {NOW}: `valid` (then `expectedRole`, `expectedExpiresAt`) or the expected
`AuthError` code.

| name | key | expect | what |
| --- | --- | --- | --- |
{rows}

## The other direction

`Tests/PulsarAuthTests/JWT/PythonInteropTests.swift` mints HS256/384/512, RS256/384/512 and
ES256 tokens in Swift and pipes them to `scripts/jwt-fixtures.py verify`, which checks them
with PyJWT. It runs only when `PULSARKIT_PYTHON` names a Python that has `jwt` and
`cryptography` (`scripts/test` sets it to the `.venv-interop` Python, which has the PyJWT and
`cryptography` pinned in `Tests/Interop/requirements.txt`; `scripts/test --swift` uses that venv only if it is
already there); otherwise the test is skipped and says why.

The emulator's authentication tests (`Tests/PulsarEmulatorTests/Auth/`) and the interop tests
(`Tests/Interop/test_auth.py`) use these keys too.
"""
    write(f"{out_dir}/README.md", text.encode())


def verify() -> int:
    request = json.load(sys.stdin)
    passed = failed = 0
    for case in request["cases"]:
        algorithm = case["algorithm"]
        if "secretBase64" in case:
            key = base64.b64decode(case["secretBase64"])
        else:
            key = serialization.load_pem_public_key(case["publicKeyPEM"].encode())
        try:
            header = jwt.get_unverified_header(case["token"])
            claims = jwt.decode(case["token"], key, algorithms=[algorithm], options={"verify_exp": True})
            problems = []
            if header != {"alg": algorithm}:
                problems.append(f"header is {header}, expected only alg")
            if claims.get("sub") != case["expectedSubject"]:
                problems.append(f"sub is {claims.get('sub')!r}")
            if claims.get("exp") != case.get("expectedExp"):
                problems.append(f"exp is {claims.get('exp')!r}")
            if problems:
                raise ValueError("; ".join(problems))
            print(f"ok   {case['name']}")
            passed += 1
        except Exception as error:  # report every failure, keep going
            print(f"FAIL {case['name']}: {type(error).__name__}: {error}")
            failed += 1
    print(f"pyjwt verified {passed} of {passed + failed} tokens")
    return 0 if failed == 0 else 1


def main(argv) -> int:
    if len(argv) == 3 and argv[1] == "generate":
        generate(argv[2])
        return 0
    if len(argv) == 2 and argv[1] == "verify":
        return verify()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
