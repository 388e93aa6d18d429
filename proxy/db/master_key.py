"""The master key that wraps every key stored in the database (AES key wrap, RFC 3394) and
from which purpose-specific keys are derived (HKDF-SHA256)."""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from proxy.db.keyfiles import read_or_create_key_file
from proxy.db.settings import DatabaseSettings

KEY_BYTES = 32


class MasterKeyError(Exception):
    """The master key is missing, malformed or does not open a stored key."""


class MasterKey:
    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise MasterKeyError(f"master key must be {KEY_BYTES} bytes")
        self._key = key

    @classmethod
    def load(cls, settings: DatabaseSettings, data_dir: Path) -> MasterKey:
        if settings.master_key is not None:
            encoded = settings.master_key.get_secret_value().encode()
        else:
            path = settings.resolved_key_file(data_dir)
            encoded = read_or_create_key_file(
                path, lambda: base64.b64encode(os.urandom(KEY_BYTES)) + b"\n")
        try:
            return cls(base64.b64decode(encoded.strip(), validate=True))
        except (binascii.Error, ValueError):
            raise MasterKeyError("master key is not valid base64") from None

    def wrap(self, key: bytes) -> bytes:
        return aes_key_wrap(self._key, key)

    def unwrap(self, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap(self._key, wrapped)
        except (InvalidUnwrap, ValueError):
            raise MasterKeyError("stored key does not unwrap with this master key") from None

    def derive(self, purpose: str) -> bytes:
        """A stable 32-byte key for one purpose (e.g. identifier hashing)."""
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=purpose.encode()).derive(self._key)
