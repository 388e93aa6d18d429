"""Decoding compressed upstream bodies without trusting their size."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

from proxy.errors import UpstreamUnavailable

# zlib wbits: 16+15 reads gzip, 15 reads zlib-wrapped deflate.
_WBITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}


def supported(encoding: str) -> bool:
    return encoding in ("", "identity") or encoding in _WBITS


async def read_decoded(chunks: AsyncIterator[bytes], encoding: str, cap: int) -> bytes:
    """The whole body, decoded; more than ``cap`` bytes (raw or decoded) is a 502."""
    if encoding in ("", "identity"):
        body = bytearray()
        async for chunk in chunks:
            body += chunk
            if len(body) > cap:
                raise UpstreamUnavailable(f"upstream body exceeds {cap} bytes")
        return bytes(body)
    if encoding not in _WBITS:
        raise UpstreamUnavailable(f"unsupported upstream content-encoding {encoding!r}")
    decoder = zlib.decompressobj(_WBITS[encoding])
    body = bytearray()
    try:
        async for chunk in chunks:
            body += decoder.decompress(chunk, cap - len(body) + 1)
            if len(body) > cap:
                raise UpstreamUnavailable(f"decoded upstream body exceeds {cap} bytes")
        body += decoder.flush()
    except zlib.error:
        raise UpstreamUnavailable("upstream body is not validly encoded") from None
    if len(body) > cap:
        raise UpstreamUnavailable(f"decoded upstream body exceeds {cap} bytes")
    return bytes(body)


def decoded(body: bytes, encoding: str, cap: int) -> bytes:
    """A whole body (a request's) decoded; ValueError when it is not validly encoded or
    decodes to more than ``cap`` bytes."""
    if encoding in ("", "identity"):
        return body
    if encoding not in _WBITS:
        raise ValueError(f"unsupported content-encoding {encoding!r}")
    decoder = zlib.decompressobj(_WBITS[encoding])
    try:
        out = decoder.decompress(body, cap + 1)
    except zlib.error:
        raise ValueError("not validly encoded") from None
    if len(out) > cap or decoder.unconsumed_tail:
        raise ValueError(f"decodes to more than {cap} bytes")
    return out

