"""Upstream links in answers, rewritten to the gateway's own address.

An upstream that answers with absolute links (a page's ``next``, a ``Location``) names
itself: a caller following them would leave the gateway, and a masking role would see the
upstream's address masked as an IP address. Headers and bodies the gateway reads whole get
those links rewritten to the system's address on the gateway; streamed bodies (large
pass-through downloads) pass as they are.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from starlette.datastructures import URL
from starlette.types import Scope

from proxy.pii.formats import readable

# Stands for the gateway's address while a body is masked: private-use characters, which no
# detector reads as personal data, so the link's own path and query are still checked.
_HELD = "\ue000\ue001".encode()
_TEXTUAL = ("application/json", "text/")
_REWRITTEN_HEADERS = (b"location", b"content-location", b"link")
# What may follow a link's base: its path, query or fragment, the end of a JSON string, or
# the end of the value (b"" when the body ends there).
_ENDS = frozenset((b"", b"/", b"?", b"#", b'"', b"\\"))


@dataclass(frozen=True, slots=True)
class Links:
    upstream: str  # the upstream base URL, as configured
    gateway: str  # the same system on the gateway, as the caller reached it

    def rewrite(self, body: bytes) -> bytes:
        return _replace(body, self.upstream, self.gateway.encode())

    def hold(self, body: bytes) -> bytes:
        """Before masking: the upstream's links point at a placeholder."""
        return _replace(body, self.upstream, _HELD)

    def release(self, body: bytes) -> bytes:
        """After masking: the placeholder becomes the gateway's address."""
        return body.replace(_HELD, self.gateway.encode()) if _HELD in body else body

    def headers(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        return [(k, self.rewrite(v) if k in _REWRITTEN_HEADERS else v) for k, v in headers]


def gateway_base(scope: Scope, prefix: str) -> str:
    """The system's address as the caller used it (its Host header, else the server's)."""
    host = next((value for key, value in scope["headers"] if key == b"host"), None)
    return _base(scope.get("scheme", "http"), host, scope.get("server"), prefix)


@functools.lru_cache(256)  # callers use few addresses; parsing one costs ~15 us a request
def _base(scheme: str, host: bytes | None, server: tuple[str, int] | None, prefix: str) -> str:
    url = URL(scope={"scheme": scheme, "server": server, "path": "/",
                     "headers": [(b"host", host)] if host is not None else []})
    return f"{url.scheme}://{url.netloc}{prefix}"


def textual(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media.startswith(_TEXTUAL) or media.endswith("+json") or readable(media)


def _replace(body: bytes, upstream: str, by: bytes) -> bytes:
    base = upstream.rstrip("/").encode()
    body = _replace_written(body, base, by)
    if b"\\" in body:  # JSON-escaped (\/) links; one memchr tells most bodies have none
        body = _replace_written(body, base.replace(b"/", b"\\/"), by)
    return body


def _replace_written(body: bytes, base: bytes, by: bytes) -> bytes:
    """``base`` replaced where a path part ends after it (``/crm/v1`` is not in ``/crm/v10``).
    One scan of the body; it is copied only when a link is found."""
    parts: list[bytes] = []
    start = 0
    while (found := body.find(base, start)) != -1:
        end = found + len(base)
        parts += (body[start:found], by if body[end:end + 1] in _ENDS else base)
        start = end
    if not parts:
        return body
    parts.append(body[start:])
    return b"".join(parts)
