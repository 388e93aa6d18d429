"""Sending answers the gateway makes itself, as raw ASGI messages."""

from __future__ import annotations

from starlette.types import Send

from proxy.errors import GatewayError

Headers = list[tuple[bytes, bytes]]


async def send_whole(send: Send, status: int, headers: Headers, body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_error(send: Send, error: GatewayError, headers: Headers) -> None:
    headers = [(b"content-type", b"application/json"), *headers,
               *((k.encode(), v.encode()) for k, v in error.headers.items())]
    await send_whole(send, error.status, headers, error.body())
