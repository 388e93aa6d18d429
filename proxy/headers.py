"""Which headers cross the gateway, in each direction."""

from __future__ import annotations

from collections.abc import Iterable

import aiohttp

from proxy.settings import UpstreamAuth

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "trailers", "transfer-encoding", "upgrade",
})
# Never forwarded upstream: caller credentials and what we set ourselves.
_REQUEST_OWN = frozenset({
    "host", "content-length", "authorization", "accept-encoding", "x-forwarded-for",
    "x-forwarded-proto", "x-forwarded-host", "x-request-id", "forwarded",
})
# Never returned to the caller as the upstream sent them.
# Set-Cookie too: callers' cookies are never forwarded, so an upstream session cookie would
# only hand the gateway's own upstream login to the caller.
_RESPONSE_OWN = frozenset({"content-length", "content-encoding", "date", "server",
                           "x-request-id", "set-cookie"})


def _connection_listed(headers: Iterable[tuple[str, str]]) -> set[str]:
    listed: set[str] = set()
    for name, value in headers:
        if name == "connection":
            listed.update(token.strip().lower() for token in value.split(","))
    return listed


def upstream_request_headers(
    incoming: list[tuple[bytes, bytes]], *, strip: frozenset[str], auth: UpstreamAuth,
    client_ip: str | None, scheme: str, request_id: str,
) -> list[tuple[str, str]]:
    pairs = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in incoming]
    drop = HOP_BY_HOP | _REQUEST_OWN | strip | _connection_listed(pairs)
    out = [(k, v) for k, v in pairs if k not in drop]
    previous = [v for k, v in pairs if k == "x-forwarded-for"]
    host = next((v for k, v in pairs if k == "host"), "")
    chain = ", ".join([*previous, client_ip] if client_ip else previous)
    if chain:
        out.append(("x-forwarded-for", chain))
    out += [("x-forwarded-proto", scheme), ("x-forwarded-host", host),
            ("x-request-id", request_id), ("accept-encoding", "gzip, deflate")]
    out += _auth_headers(auth)
    return out


def _auth_headers(auth: UpstreamAuth) -> list[tuple[str, str]]:
    if auth.type == "bearer":
        return [("authorization", f"Bearer {auth.token}")]
    if auth.type == "basic":
        encoded = aiohttp.BasicAuth(auth.username or "", auth.password or "").encode()
        return [("authorization", encoded)]
    if auth.type == "header" and auth.header:
        return [(auth.header.lower(), auth.value or "")]
    return []


def caller_response_headers(upstream: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    pairs = [(k.lower(), v) for k, v in upstream]
    drop = HOP_BY_HOP | _RESPONSE_OWN | _connection_listed(pairs)
    # aiohttp decodes header bytes as UTF-8 with surrogateescape: this gives them back as sent
    return [(k.encode("latin-1"), v.encode("utf-8", "surrogateescape")) for k, v in pairs
            if k not in drop]
