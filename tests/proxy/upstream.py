"""A real upstream for gateway tests: echoes what reached it, streams, hangs, compresses."""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import zlib

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

BIG_CHUNK = b"x" * 65536


async def echo(request: Request) -> Response:
    body = await request.body()
    response = JSONResponse({
        "method": request.method, "path": request.url.path, "query": request.url.query,
        "headers": {k: v for k, v in request.headers.items()}, "body_size": len(body),
        "body_prefix": body[:64].decode("latin-1"),
    })
    response.raw_headers += [(b"set-cookie", b"a=1"), (b"x-repeated", b"a=1"),
                             (b"x-repeated", b"b=2"),
                             (b"connection", b"keep-alive, x-private"), (b"x-private", b"1")]
    return response


async def big(request: Request) -> Response:
    size = int(request.query_params.get("mb", "24")) * 1024 * 1024

    async def chunks():
        for _ in range(size // len(BIG_CHUNK)):
            yield BIG_CHUNK

    return StreamingResponse(chunks(), media_type="application/octet-stream")


async def hang(_: Request) -> Response:
    await asyncio.sleep(3600)
    return Response()


async def gzipped(_: Request) -> Response:
    payload = json.dumps({"results": [{"id": i} for i in range(100)]}).encode()
    return Response(gzip.compress(payload), media_type="application/json",
                    headers={"content-encoding": "gzip"})


@functools.cache
def _bomb() -> bytes:
    """~200 MB of zeros in ~200 KB of deflate."""
    compressor = zlib.compressobj(9)
    block = bytes(1024 * 1024)
    return b"".join(compressor.compress(block) for _ in range(200)) + compressor.flush()


async def bomb(_: Request) -> Response:
    return Response(_bomb(), media_type="application/json",
                    headers={"content-encoding": "deflate"})


async def linked(request: Request) -> Response:
    """Absolute links to itself, as a real CRM writes them."""
    here = f"{request.base_url}api/linked"
    return JSONResponse({"next": f"{here}?page=2"}, headers={"location": f"{here}/7"})


async def described(request: Request) -> Response:
    """Personal data in headers as well as the body, one header in raw UTF-8."""
    here = f"{request.base_url}api/described"
    response = JSONResponse({"name": "张伟", "email": "zhang.wei@example.com"}, headers={
        "x-customer-email": "zhang.wei@example.com", "x-total-count": "1",
        "content-disposition": 'attachment; filename="zhang.wei@example.com.json"',
        "link": f'<{here}?after=zhang.wei%40example.com>; rel="next"',
        "cache-control": "private, max-age=60"})
    response.raw_headers.append((b"x-contact-name", "张伟".encode()))
    return response


async def record(request: Request) -> Response:
    """A record whose fields are the query's parameters."""
    return JSONResponse(dict(request.query_params))


async def ranged(request: Request) -> Response:
    """Text served by ranges, as file and export stores do; ``?always`` answers 206 anyway."""
    text = b"Call back zhang.wei@example.com or +86 138 1234 5678 today."
    requested = request.headers.get("range", "").removeprefix("bytes=")
    if not requested and "always" not in request.query_params:
        return Response(text, media_type="text/plain")
    first, _, last = (requested or "0-20").partition("-")
    part = text[int(first):int(last) + 1]
    return Response(part, status_code=206, media_type="text/plain", headers={
        "content-range": f"bytes {first}-{int(first) + len(part) - 1}/{len(text)}"})


def create_upstream() -> Starlette:
    _bomb()
    return Starlette(routes=[
        Route("/api/big", big), Route("/api/hang", hang), Route("/api/gzip", gzipped),
        Route("/api/bomb", bomb), Route("/api/linked", linked),
        Route("/api/described", described), Route("/api/ranged", ranged),
        Route("/api/record", record),
        Route("/api/{rest:path}", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ])
