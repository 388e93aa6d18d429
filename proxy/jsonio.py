"""JSON bodies, parsed and written with orjson (several times faster than the standard library
for response-sized documents), falling back to the standard library for what orjson refuses
but JSON allows: integers beyond 64 bits, NaN and Infinity, UTF-16 and UTF-32 text."""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(data: bytes | str) -> Any:
    """The document; ValueError when it is not JSON. A UTF-8 byte order mark, which some
    servers write, is ignored (RFC 8259 allows it)."""
    if isinstance(data, bytes) and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def dumps(document: Any) -> bytes:
    """UTF-8 JSON text, non-ASCII characters as they are."""
    try:
        return orjson.dumps(document)
    except TypeError:
        return json.dumps(document, ensure_ascii=False).encode()
