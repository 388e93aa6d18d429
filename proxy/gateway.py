"""The request path: identity → route → region → forward → respond, as plain ASGI."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import aiohttp
from starlette.types import Receive, Scope, Send

from proxy import decoding, metrics
from proxy.caller import Caller
from proxy.errors import BodyTooLarge, GatewayError, UpstreamUnavailable
from proxy.forward import Body, UpstreamPool, iter_body
from proxy.headers import caller_response_headers, upstream_request_headers
from proxy.identity import Authenticator, AuthError
from proxy.logs import event, path_template
from proxy.routing import Route, Router
from proxy.settings import Settings

log = logging.getLogger("proxy.gateway")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_BUFFER_LIMIT = 1024 * 1024  # bodies up to this size are read whole, bigger ones streamed


@dataclass(slots=True)
class Exchange:
    """What the gateway knows about one request as it goes down the path."""

    scope: Scope
    headers: dict[str, str]
    request_id: str
    started: float = field(default_factory=time.perf_counter)
    caller: Caller | None = None
    route: Route | None = None
    region: str | None = None
    status: int = 500

    @property
    def system(self) -> str:
        return self.route.system_name if self.route else "-"


class Gateway:
    def __init__(self, settings: Settings, authenticator: Authenticator, pool: UpstreamPool):
        self._settings = settings
        self._auth = authenticator
        self._pool = pool
        self._router = Router(settings)
        self._strip = frozenset(h.lower() for h in settings.strip_request_headers) | {
            authenticator.api_key_header.lower()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        exchange = Exchange(scope, headers,
                            given if _REQUEST_ID.match(given) else uuid.uuid4().hex)
        try:
            await self._handle(exchange, receive, send)
        except GatewayError as error:
            exchange.status = error.status
            await _send_error(send, error, exchange.request_id)
        except _Aborted:
            pass  # the server closes the half-sent response
        finally:
            self._record(exchange)

    async def _handle(self, exchange: Exchange, receive: Receive, send: Send) -> None:
        exchange.caller = await self._identify(exchange.headers)
        exchange.route = self._route(exchange.scope["path"])
        exchange.region = self._region(exchange)
        body = await _request_body(exchange, receive, self._settings.limits.max_request_body_bytes)
        response = await self._forward(exchange, body)
        try:
            await self._respond(exchange, response, send)
        finally:
            response.release()

    async def _identify(self, headers: dict[str, str]) -> Caller:
        try:
            return await self._auth.authenticate(headers)
        except AuthError as error:
            challenge = f'Bearer realm="privacy-gateway", error="invalid_token", ' \
                        f'error_description="{error}"'
            raise GatewayError(401, "unauthorized", str(error),
                               {"www-authenticate": challenge}) from None

    def _route(self, path: str) -> Route:
        route = self._router.match(path)
        if route is None:
            raise GatewayError(404, "not_found", "no system is configured for this path")
        return route

    def _region(self, exchange: Exchange) -> str:
        assert exchange.route is not None
        query = dict(parse_qsl(exchange.scope["query_string"].decode("latin-1")))
        declared = self._router.declared_region(exchange.route, exchange.headers, query)
        region = self._router.region_for(exchange.route, declared)
        if exchange.route.upstream(region) is None:
            raise GatewayError(400, "unknown_region",
                               f"system {exchange.route.system_name!r} has no upstream for "
                               f"region {region!r}")
        return region

    async def _forward(self, exchange: Exchange, body: Body) -> aiohttp.ClientResponse:
        route, region, scope = exchange.route, exchange.region, exchange.scope
        assert route is not None and region is not None
        upstream = route.system.upstreams[region]
        client = scope.get("client")
        headers = upstream_request_headers(
            scope["headers"], strip=self._strip, auth=upstream.auth or route.system.auth,
            client_ip=client[0] if client else None, scheme=scope.get("scheme", "http"),
            request_id=exchange.request_id)
        started = time.perf_counter()
        try:
            response = await self._pool.send(
                route.system_name, region, upstream, method=scope["method"],
                path=_raw_rest(scope, route), query=scope["query_string"].decode("latin-1"),
                headers=headers, body=body)
        except GatewayError:
            # aiohttp wraps what the body stream raised; the stream knows the real reason.
            if isinstance(body, _BodyStream) and body.error is not None:
                raise body.error from None
            raise
        metrics.UPSTREAM_LATENCY.labels(route.system_name, region).observe(
            time.perf_counter() - started)
        return response

    async def _respond(self, exchange: Exchange, response: aiohttp.ClientResponse,
                       send: Send) -> None:
        headers = caller_response_headers(response.headers.items())
        headers.append((b"x-request-id", exchange.request_id.encode()))
        encoding = response.headers.get("content-encoding", "").strip().lower()
        length = response.content_length
        if encoding not in ("", "identity") or (length is not None and length <= _BUFFER_LIMIT):
            cap = self._settings.limits.max_decoded_body_bytes
            body = await decoding.read_decoded(iter_body(response), encoding, cap)
            exchange.status = response.status
            await _send_whole(send, response.status, headers, body)
            return
        exchange.status = response.status
        await send({"type": "http.response.start", "status": response.status,
                    "headers": headers})
        try:
            async for chunk in iter_body(response):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except GatewayError as error:
            # Headers are gone already: all we can do is cut the response short.
            event(log, "upstream_body_failed", logging.WARNING, request_id=exchange.request_id,
                  system=exchange.system, error=error.error)
            raise _Aborted() from None
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    def _record(self, exchange: Exchange) -> None:
        metrics.REQUESTS.labels(exchange.system, str(exchange.status)).inc()
        event(log, "request", request_id=exchange.request_id, system=exchange.system,
              region=exchange.region, method=exchange.scope["method"],
              path=path_template(exchange.scope["path"]), status=exchange.status,
              role=exchange.caller.role if exchange.caller else None,
              duration_ms=round((time.perf_counter() - exchange.started) * 1000, 2))


class _Aborted(Exception):
    """The response was cut short after its headers were sent."""


def _raw_rest(scope: Scope, route: Route) -> str:
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    prefix = route.system.prefix.encode()
    rest = raw[len(prefix):] if raw.startswith(prefix) else route.path.encode()
    return rest.decode("latin-1") or "/"


async def _request_body(exchange: Exchange, receive: Receive, limit: int) -> Body:
    declared = exchange.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise GatewayError(400, "bad_request", "Content-Length is not a number")
        size = int(declared)
        if size > limit:
            raise BodyTooLarge(limit)
        if size == 0:
            return None
        if size <= _BUFFER_LIMIT:
            return b"".join([chunk async for chunk in _BodyStream(receive, limit)])
    elif "chunked" not in exchange.headers.get("transfer-encoding", ""):
        return None
    return _BodyStream(receive, limit)


class _BodyStream:
    """The caller's request body as it arrives, cut off past ``limit`` bytes."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self._limit = limit
        self.error: GatewayError | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        total = 0
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self.error = UpstreamUnavailable("client went away while sending the body")
                raise self.error
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self._limit:
                self.error = BodyTooLarge(self._limit)
                raise self.error
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return


async def _send_whole(send: Send, status: int, headers: list[tuple[bytes, bytes]],
                      body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _send_error(send: Send, error: GatewayError, request_id: str) -> None:
    headers = [(b"content-type", b"application/json"), (b"x-request-id", request_id.encode()),
               *((k.encode(), v.encode()) for k, v in error.headers.items())]
    await _send_whole(send, error.status, headers, error.body())
