"""Caller identity: a verified JWT bearer token or a static API key, nothing else.

Algorithm confusion is ruled out by choosing the key from the token's algorithm family: HS*
tokens are only ever checked against the configured shared secret, asymmetric tokens only
against keys from the JWKS whose type fits the algorithm. ``alg: none`` is never accepted.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient

from proxy.caller import UNKNOWN_ROLE, Caller
from proxy.settings import Identity
from proxy.ttl_cache import TTLCache

_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


class AuthError(Exception):
    """No valid identity; the message is safe to return to the caller."""


class Authenticator:
    def __init__(self, config: Identity) -> None:
        self._config = config
        # Verifying the same bearer token on every request of a session is most of
        # identity's cost: a verified token is trusted until it expires, at most a minute.
        self._verified: TTLCache[str, Caller] = TTLCache(ttl_seconds=60, max_size=10_000)
        self._api_keys = {key.sha256: key for key in config.api_keys}
        self._jwks: dict[str | None, list[PyJWK]] = {}
        if config.jwks_file:
            self._jwks = _index_jwks(json.loads(config.jwks_file.read_text(encoding="utf-8")))
        self._jwks_client = PyJWKClient(config.jwks_url, cache_keys=True) if config.jwks_url \
            else None

    @property
    def api_key_header(self) -> str:
        return self._config.api_key_header

    async def authenticate(self, headers: Mapping[str, str]) -> Caller:
        authorization = headers.get("authorization")
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthError("Authorization must be 'Bearer <token>'")
            return await self._from_jwt(token.strip())
        api_key = headers.get(self._config.api_key_header.lower())
        if api_key:
            return self._from_api_key(api_key)
        raise AuthError("missing credentials")

    def _from_api_key(self, api_key: str) -> Caller:
        entry = self._api_keys.get(hashlib.sha256(api_key.encode()).hexdigest())
        if entry is None:
            raise AuthError("unknown API key")
        return Caller(subject=entry.subject, role=entry.role, region=entry.region,
                      purpose=entry.purpose, tenant=entry.tenant, method="api_key")

    async def _from_jwt(self, token: str) -> Caller:
        caller = self._verified.get(token)
        if caller is None:
            caller, expires = await self._verify(token)
            self._verified.put(token, caller, ttl_seconds=expires - time.time())
        return caller

    async def _verify(self, token: str) -> tuple[Caller, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("malformed token") from None
        algorithm = header.get("alg")
        if algorithm not in self._config.algorithms:
            raise AuthError(f"algorithm {algorithm!r} is not accepted")
        key = await self._key_for(algorithm, header.get("kid"))
        try:
            claims = jwt.decode(
                token, key, algorithms=[algorithm], audience=self._config.audience,
                issuer=self._config.issuer, leeway=self._config.leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError("wrong audience") from None
        except jwt.InvalidIssuerError:
            raise AuthError("wrong issuer") from None
        except jwt.PyJWTError:
            raise AuthError("invalid token") from None
        return self._caller(claims), float(claims["exp"])

    async def _key_for(self, algorithm: str, kid: str | None) -> Any:
        if algorithm.startswith("HS"):
            return self._config.hs_secret
        wanted = _KEY_TYPES[algorithm[:2]]
        if self._jwks_client is not None:
            try:
                jwk = await asyncio.to_thread(self._jwks_client.get_signing_key, kid or "")
            except jwt.PyJWTError:
                raise AuthError("no matching signing key") from None
            candidates = [jwk]
        else:
            candidates = self._jwks.get(kid, []) if kid else self._jwks.get(None, [])
        for jwk in candidates:
            if jwk.key_type == wanted:
                return jwk.key
        raise AuthError("no matching signing key")

    def _caller(self, claims: dict[str, Any]) -> Caller:
        names = self._config.claims

        def text(name: str) -> str | None:
            value = claims.get(name)
            return str(value) if isinstance(value, str | int) and str(value) else None

        subject = text(names.subject)
        if subject is None:
            raise AuthError("token has no subject")
        return Caller(subject=subject, role=text(names.role) or UNKNOWN_ROLE,
                      region=text(names.region), purpose=text(names.purpose),
                      tenant=text(names.tenant), method="jwt")


def _index_jwks(document: dict[str, Any]) -> dict[str | None, list[PyJWK]]:
    """Keys by kid; keys without a kid (and every key, for tokens without one) under None."""
    index: dict[str | None, list[PyJWK]] = {None: []}
    for raw in document.get("keys", []):
        key = PyJWK(raw)
        index[None].append(key)
        if raw.get("kid"):
            index.setdefault(raw["kid"], []).append(key)
    return index
