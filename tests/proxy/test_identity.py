"""JWT and API-key verification against real keys, including the classic attacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from proxy.identity import Authenticator, AuthError
from proxy.settings import Identity
from tests.support import serve_in_thread

SECRET = "a-shared-secret-of-at-least-32-characters!"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": "idp", "aud": "gw", "sub": "alice", "role": "agent", "region": "eu",
            "purpose": "support", "tenant": "acme", "iat": now, "exp": now + 60}
    base.update(overrides)
    return base


@pytest.fixture()
def jwks_file(tmp_path: Path) -> Path:
    rsa_jwk = json.loads(RSAAlgorithm.to_jwk(RSA_KEY.public_key()))
    ec_jwk = json.loads(ECAlgorithm.to_jwk(EC_KEY.public_key()))
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [{**rsa_jwk, "kid": "rsa1"}, {**ec_jwk, "kid": "ec1"}]}))
    return path


def authenticator(**config: Any) -> Authenticator:
    base = {"issuer": "idp", "audience": "gw", "algorithms": ["HS256"], "hs_secret": SECRET}
    base.update(config)
    return Authenticator(Identity.model_validate(base))


async def check(auth: Authenticator, token: str):
    return await auth.authenticate({"authorization": f"Bearer {token}"})


async def test_valid_hs256_token_maps_claims_to_caller() -> None:
    caller = await check(authenticator(), jwt.encode(claims(), SECRET, algorithm="HS256"))
    assert (caller.subject, caller.role, caller.region, caller.purpose, caller.tenant) == (
        "alice", "agent", "eu", "support", "acme")


async def test_claim_names_are_configurable() -> None:
    auth = authenticator(claims={"role": "https://acme/role", "region": "geo"})
    token = jwt.encode(claims(**{"https://acme/role": "dpo", "geo": "cn"}), SECRET, "HS256")
    caller = await check(auth, token)
    assert (caller.role, caller.region) == ("dpo", "cn")


async def test_missing_role_claim_means_unknown_role() -> None:
    token = jwt.encode({k: v for k, v in claims().items() if k != "role"}, SECRET, "HS256")
    assert (await check(authenticator(), token)).role == "unknown"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_is_rejected(alg: str) -> None:
    token = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(claims(role='dpo'))}."
    with pytest.raises(AuthError, match="not accepted"):
        await check(authenticator(), token)


async def test_hs_rs_confusion_is_rejected(jwks_file: Path) -> None:
    """An attacker signs HS256 with the server's public RSA key as the shared secret."""
    auth = authenticator(algorithms=["HS256", "RS256"], jwks_file=str(jwks_file))
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header, payload = _b64({"alg": "HS256", "typ": "JWT"}), _b64(claims(role="dpo"))
    signature = base64.urlsafe_b64encode(hmac.new(
        public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()).rstrip(b"=")
    with pytest.raises(AuthError, match="invalid token"):
        await check(auth, f"{header}.{payload}.{signature.decode()}")


async def test_rs256_token_is_not_accepted_when_only_hs_is_configured() -> None:
    token = jwt.encode(claims(), RSA_KEY, algorithm="RS256")
    with pytest.raises(AuthError, match="not accepted"):
        await check(authenticator(), token)


async def test_rs256_and_es256_verify_against_jwks_file(jwks_file: Path) -> None:
    auth = authenticator(algorithms=["RS256", "ES256"], hs_secret=None, jwks_file=str(jwks_file))
    rs = jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "rsa1"})
    es = jwt.encode(claims(sub="bob"), EC_KEY, algorithm="ES256", headers={"kid": "ec1"})
    assert (await check(auth, rs)).subject == "alice"
    assert (await check(auth, es)).subject == "bob"


async def test_rs256_with_ec_kid_is_rejected(jwks_file: Path) -> None:
    auth = authenticator(algorithms=["RS256", "ES256"], hs_secret=None, jwks_file=str(jwks_file))
    token = jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "ec1"})
    with pytest.raises(AuthError, match="no matching signing key"):
        await check(auth, token)


async def test_token_signed_by_another_rsa_key_is_rejected(jwks_file: Path) -> None:
    auth = authenticator(algorithms=["RS256"], hs_secret=None, jwks_file=str(jwks_file))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(), other, algorithm="RS256", headers={"kid": "rsa1"})
    with pytest.raises(AuthError, match="invalid token"):
        await check(auth, token)


async def test_expired_token_is_rejected() -> None:
    token = jwt.encode(claims(exp=int(time.time()) - 120), SECRET, "HS256")
    with pytest.raises(AuthError, match="expired"):
        await check(authenticator(), token)


async def test_wrong_audience_and_issuer_are_rejected() -> None:
    with pytest.raises(AuthError, match="audience"):
        await check(authenticator(), jwt.encode(claims(aud="other"), SECRET, "HS256"))
    with pytest.raises(AuthError, match="issuer"):
        await check(authenticator(), jwt.encode(claims(iss="evil"), SECRET, "HS256"))


async def test_tampered_payload_is_rejected() -> None:
    header, _, signature = jwt.encode(claims(), SECRET, "HS256").split(".")
    tampered = f"{header}.{_b64(claims(role='dpo'))}.{signature}"
    with pytest.raises(AuthError, match="invalid token"):
        await check(authenticator(), tampered)


async def test_token_without_expiry_is_rejected() -> None:
    token = jwt.encode({k: v for k, v in claims().items() if k != "exp"}, SECRET, "HS256")
    with pytest.raises(AuthError):
        await check(authenticator(), token)


async def test_api_keys_are_matched_by_hash() -> None:
    auth = authenticator(api_keys=[{"sha256": hashlib.sha256(b"k-123").hexdigest(),
                                    "subject": "svc-report", "role": "analyst", "region": "us"}])
    caller = await auth.authenticate({"x-api-key": "k-123"})
    assert (caller.subject, caller.role, caller.method) == ("svc-report", "analyst", "api_key")
    with pytest.raises(AuthError, match="unknown API key"):
        await auth.authenticate({"x-api-key": "k-124"})


async def test_no_credentials_and_bad_scheme() -> None:
    with pytest.raises(AuthError, match="missing"):
        await authenticator().authenticate({"x-role": "dpo"})
    with pytest.raises(AuthError, match="Bearer"):
        await authenticator().authenticate({"authorization": "Basic dXNlcjpwYXNz"})


async def test_rs256_verifies_against_jwks_url(jwks_file: Path) -> None:
    document = jwks_file.read_text()
    app = Starlette(routes=[Route("/jwks.json", lambda _: Response(
        document, media_type="application/json"))])
    with serve_in_thread(app) as base:
        auth = authenticator(algorithms=["RS256"], hs_secret=None, jwks_url=f"{base}/jwks.json")
        token = jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "rsa1"})
        assert (await check(auth, token)).subject == "alice"
        forged = jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "nope"})
        with pytest.raises(AuthError, match="no matching signing key"):
            await check(auth, forged)
