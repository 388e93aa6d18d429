"""The caller's request body: read whole when small, streamed when large, capped always."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from starlette.types import Receive

from proxy.errors import BodyTooLarge, GatewayError, UpstreamUnavailable

Body = bytes | AsyncIterator[bytes] | None
BUFFER_LIMIT = 1024 * 1024  # bodies up to this size are read whole, bigger ones streamed


class BodyStream:
    """The body as it arrives, cut off past ``limit`` bytes. ``error`` keeps the reason,
    since the HTTP client that consumes the stream wraps what it raises."""

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


async def read_body(headers: Mapping[str, str], receive: Receive, limit: int, *,
                    whole: bool = False) -> Body:
    """None for no body, bytes when small (or ``whole``), else a BodyStream."""
    declared = headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise GatewayError(400, "bad_request", "Content-Length is not a number")
        size = int(declared)
        if size > limit:
            raise BodyTooLarge(limit)
        if size == 0:
            return None
        whole = whole or size <= BUFFER_LIMIT
    elif "chunked" not in headers.get("transfer-encoding", ""):
        return None
    stream = BodyStream(receive, limit)
    if whole:
        return b"".join([chunk async for chunk in stream])
    return stream
