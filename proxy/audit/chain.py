"""Canonical serialization and hashing of the audit chain.

Standard library only: this file is copied into evidence packs so anyone can re-check them.

- canonical(value): JSON, keys sorted, no spaces, UTF-8, no floats (RFC 8785 for the value
  types entries may hold: strings, integers, booleans, null, arrays, objects).
- fields_sha256 = sha256(canonical(fields)); a purged entry keeps only this digest.
- entry_hash = sha256(canonical(header)), header = {log, seq, ts, kind, fields_sha256,
  prev_hash}; prev_hash of the first entry of a log is GENESIS.
- a checkpoint signs canonical({log, seq, entry_hash, ts, key_id}) with Ed25519.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64
HEADER_KEYS = ("log", "seq", "ts", "kind", "fields_sha256", "prev_hash")


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_FLOAT = re.compile(r"\d[.eE]")
# What a float looks like between JSON delimiters; a cheap first look before the exact check.
_FLOAT_TOKEN = re.compile(r"[:,\[]-?\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)(?=[,\]}])")
_quote = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses for strings


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def canonical(value: Any) -> bytes:
    text = _dumps(value)
    if _FLOAT_TOKEN.search(text) and _FLOAT.search(_STRING.sub("", text)):
        raise TypeError("audit fields must not hold floats (no canonical form); use integers")
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_hash(header: Mapping[str, Any]) -> str:
    """sha256 of canonical(header), spelled out because the writer hashes every entry."""
    text = (f'{{"fields_sha256":{_quote(header["fields_sha256"])},'
            f'"kind":{_quote(header["kind"])},"log":{_quote(header["log"])},'
            f'"prev_hash":{_quote(header["prev_hash"])},"seq":{header["seq"]:d},'
            f'"ts":{_quote(header["ts"])}}}')
    return sha256_hex(text.encode("utf-8"))


def checkpoint_message(log: str, seq: int, hash_: str, ts: str, key_id: str) -> bytes:
    return canonical({"log": log, "seq": seq, "entry_hash": hash_, "ts": ts, "key_id": key_id})
