"""Identities at rest: sealed with AES-GCM (bound to their case id) and keyed hashes for
matching, so the case tables hold no readable personal data."""

from __future__ import annotations

import hashlib
import hmac
import json
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dsar.identities import Identity
from proxy.db.master_key import MasterKey

_NONCE_BYTES = 12


class IdentityVault:
    def __init__(self, master: MasterKey) -> None:
        self._aead = AESGCM(master.derive("dsar-identities"))
        self._hash_key = master.derive("dsar-identity-hash")

    def seal(self, case_id: str, identities: tuple[Identity, ...]) -> bytes:
        plain = json.dumps([[i.kind, i.value] for i in identities]).encode()
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plain, case_id.encode())

    def open(self, case_id: str, sealed: bytes) -> tuple[Identity, ...]:
        nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        plain = self._aead.decrypt(nonce, ciphertext, case_id.encode())
        return tuple(Identity(kind, value) for kind, value in json.loads(plain))

    def hash(self, identity: Identity) -> str:
        message = f"{identity.kind}:{identity.normalized()}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()
