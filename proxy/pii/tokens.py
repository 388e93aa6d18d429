"""Reversible, deterministic tokens with per-subject keys (crypto-shredding).

Token format: ``tok_<ENTITY_TYPE>.<key id>.<base64url AES-SIV ciphertext>``, e.g.
``tok_EMAIL_ADDRESS.3f9a0c1d2b4e5f60.Jq0…``. The entity type and key id are bound to the
ciphertext as associated data, so neither can be swapped.

Key ids: ``subject_key_id(value)`` is the first 16 hex digits of
HMAC-SHA256(master key, normalized identifying value). The masker uses the strongest identifier
of the JSON object a value sits in (national id > email > phone; see ``Masker``), or the value
itself when the object has none. A DSAR erasure that knows a subject's email, phone or national
id computes the same key ids with ``subject_key_id`` and calls ``KeyStore.destroy``; every token
made under those keys then fails with ``TokenKeyDestroyed``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import threading
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

TOKEN_PATTERN = re.compile(r"tok_([A-Z][A-Z0-9_]*)\.([0-9a-f]{16})\.([A-Za-z0-9_-]{22,})")


class TokenError(Exception):
    """A token that cannot be turned back into its value (message never holds the value)."""


class TokenKeyDestroyed(TokenError):
    """The subject key was erased: the token is permanently unrecoverable."""


class KeyStore(Protocol):
    def get(self, key_id: str) -> bytes | None: ...

    def get_or_create(self, key_id: str) -> bytes: ...

    def destroy(self, key_id: str) -> bool: ...


class InMemoryKeyStore:
    """Per-subject 512-bit AES-SIV keys kept in process memory (tests, single worker)."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, key_id: str) -> bytes | None:
        return self._keys.get(key_id)

    def get_or_create(self, key_id: str) -> bytes:
        with self._lock:
            return self._keys.setdefault(key_id, os.urandom(64))

    def destroy(self, key_id: str) -> bool:
        with self._lock:
            return self._keys.pop(key_id, None) is not None


def normalize_identifier(value: str) -> str:
    """Case, spaces and punctuation do not change who a value identifies."""
    text = value.strip().lower()
    if "@" in text:
        return text
    return re.sub(r"[\s().+-]", "", text)


def subject_key_id(master_key: bytes, identifier: str) -> str:
    digest = hmac.new(master_key, b"subject-key:" + normalize_identifier(identifier).encode(),
                      hashlib.sha256)
    return digest.hexdigest()[:16]


class Tokenizer:
    def __init__(self, keystore: KeyStore, master_key: bytes) -> None:
        self._keystore = keystore
        self._master_key = master_key

    def key_id_for(self, identifier: str) -> str:
        return subject_key_id(self._master_key, identifier)

    def tokenize(self, value: str, entity_type: str, key_id: str) -> str:
        siv = AESSIV(self._keystore.get_or_create(key_id))
        sealed = siv.encrypt(value.encode(), [entity_type.encode(), key_id.encode()])
        body = base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()
        return f"tok_{entity_type}.{key_id}.{body}"

    def detokenize(self, token: str) -> str:
        match = TOKEN_PATTERN.fullmatch(token.strip())
        if not match:
            raise TokenError("not a token")
        entity_type, key_id, body = match.groups()
        key = self._keystore.get(key_id)
        if key is None:
            raise TokenKeyDestroyed(f"key {key_id} was destroyed; the value is unrecoverable")
        try:
            sealed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = AESSIV(key).decrypt(sealed, [entity_type.encode(), key_id.encode()])
        except (InvalidTag, ValueError):
            raise TokenError("token is damaged or was not issued with this key") from None
        return plain.decode()
