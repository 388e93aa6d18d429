"""The floor for ``privacy-gateway bench``: a proxy on the gateway's own HTTP stack (uvicorn
with uvloop and httptools, one pooled aiohttp session configured as the gateway's) that does
nothing else: no identity, policy, residency, masking, audit, metrics or logs.

``python -m proxy.demo.bare_proxy --port P --upstream URL --token T [--workers N]``;
``/crm/<path>`` goes to ``<URL>/<path>`` with the upstream token; ``/crm-floor/<path>`` too,
its JSON body parsed, looked at and written again (``proxy.pii.floor``). Benchmark-only.
"""

from __future__ import annotations

import argparse
import os

import aiohttp
import uvicorn
from starlette.types import Receive, Scope, Send
from yarl import URL

from proxy.forward import new_session
from proxy.headers import caller_response_headers
from proxy.pii.floor import floor_body
from proxy.settings import Limits

_session: aiohttp.ClientSession | None = None


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    global _session
    if scope["type"] == "lifespan":
        await receive()  # startup
        _session = new_session(Limits())
        await send({"type": "lifespan.startup.complete"})
        await receive()  # shutdown
        await _session.close()
        await send({"type": "lifespan.shutdown.complete"})
        return
    assert _session is not None
    query = scope["query_string"].decode("latin-1")
    floor = scope["path"].startswith("/crm-floor/")
    url = os.environ["BARE_PROXY_UPSTREAM"] + scope["path"].removeprefix(
        "/crm-floor" if floor else "/crm") + (f"?{query}" if query else "")
    headers = {"authorization": f"Bearer {os.environ['BARE_PROXY_TOKEN']}"}
    async with _session.get(URL(url, encoded=True), headers=headers) as response:
        body = await response.read()
        answer = caller_response_headers(response.headers.items())
        if floor:
            body = floor_body(body)
            answer = [(k, v) for k, v in answer if k != b"content-length"]
            answer.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": response.status,
                    "headers": answer})
        await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ["BARE_PROXY_UPSTREAM"] = args.upstream
    os.environ["BARE_PROXY_TOKEN"] = args.token
    uvicorn.run("proxy.demo.bare_proxy:app", host="127.0.0.1", port=args.port,
                workers=args.workers, loop="uvloop", http="httptools", access_log=False,
                log_level="warning", server_header=False)


if __name__ == "__main__":
    main()
