"""Encrypted files written and read as streams: AES-256-GCM in chunks (the STREAM
construction), so a large export never sits in memory or on disk in clear.

Layout: ``MAGIC`` + 7-byte random nonce prefix, then chunks of 4-byte big-endian ciphertext
length + ciphertext. Chunk nonce = prefix + 4-byte counter + 1 byte "last chunk" flag, and the
caller's associated data binds each file to its purpose, so chunks cannot be reordered,
dropped, truncated or moved to another file without the reader noticing.

Files are written to ``<name>.part`` and renamed into place on ``commit``: a reader never sees
a half-written file, and a crashed writer leaves only a ``.part`` the next writer replaces.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"PGSEAL1\n"
CHUNK_BYTES = 64 * 1024
_PREFIX_BYTES = 7
_LENGTH = struct.Struct(">I")


class SealedError(Exception):
    """A sealed file is damaged, truncated or was not written with this key."""


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class SealedWriter:
    """A write-only binary stream (what ``zipfile`` and ``io.TextIOWrapper`` need)."""

    def __init__(self, path: Path, key: bytes, associated: bytes) -> None:
        self.path = path
        self._part = path.with_name(path.name + ".part")
        self._aead = AESGCM(key)
        self._associated = associated
        self._prefix = os.urandom(_PREFIX_BYTES)
        self._buffer = bytearray()
        self._counter = 0
        self._written = 0
        self._file: BinaryIO | None = open(self._part, "wb")  # noqa: SIM115 (closed in commit)
        self._file.write(MAGIC + self._prefix)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        self._written += len(data)
        while len(self._buffer) > CHUNK_BYTES:
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        """Data is sealed chunk by chunk; nothing to do until ``commit``."""

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def commit(self) -> int:
        """Seal the last chunk, sync and move the file into place; returns its size."""
        if self._file is None:
            raise SealedError("writer already closed")
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        os.replace(self._part, self.path)
        return self.path.stat().st_size

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._part.unlink(missing_ok=True)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        assert self._file is not None
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), chunk,
                                    self._associated)
        self._file.write(_LENGTH.pack(len(sealed)) + sealed)
        self._counter += 1


def read_sealed(path: Path, key: bytes, associated: bytes) -> Iterator[bytes]:
    """The plaintext of a sealed file, chunk by chunk (verified before it is yielded)."""
    aead = AESGCM(key)
    with open(path, "rb") as file:
        head = file.read(len(MAGIC) + _PREFIX_BYTES)
        if head[:len(MAGIC)] != MAGIC or len(head) != len(MAGIC) + _PREFIX_BYTES:
            raise SealedError(f"{path.name}: not a sealed file")
        prefix = head[len(MAGIC):]
        counter = 0
        length = file.read(_LENGTH.size)
        while length:
            if len(length) != _LENGTH.size:
                raise SealedError(f"{path.name}: truncated")
            sealed = file.read(_LENGTH.unpack(length)[0])
            length = file.read(_LENGTH.size)
            last = not length
            try:
                yield aead.decrypt(_nonce(prefix, counter, last), sealed, associated)
            except InvalidTag:
                raise SealedError(f"{path.name}: damaged, truncated or wrong key") from None
            counter += 1
        if counter == 0:
            raise SealedError(f"{path.name}: truncated")
