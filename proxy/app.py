"""The ASGI application: the gateway's own endpoints, and every other path proxied."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from proxy.forward import UpstreamPool
from proxy.gateway import Gateway
from proxy.identity import Authenticator
from proxy.settings import RESERVED_PREFIXES, Settings

OWN_PREFIXES = tuple(p if p in ("/healthz", "/readyz", "/metrics") else p + "/"
                     for p in RESERVED_PREFIXES)


class GatewayApp:
    """Proxied traffic goes straight to the Gateway; the rest through Starlette routing."""

    def __init__(self, settings: Settings, routes: Sequence[BaseRoute] = ()) -> None:
        self.settings = settings
        self.authenticator = Authenticator(settings.identity)
        self.pool = UpstreamPool(settings)
        self.gateway = Gateway(settings, self.authenticator, self.pool)
        self.own = Starlette(routes=[Route("/healthz", self._healthz),
                                     Route("/readyz", self._readyz),
                                     Route("/metrics", self._metrics), *routes],
                             lifespan=self._lifespan)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(OWN_PREFIXES):
            await self.gateway(scope, receive, send)
        else:
            await self.own(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        await self.pool.open()
        try:
            yield
        finally:
            await self.pool.close()

    async def _healthz(self, _: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def _readyz(self, _: Request) -> Response:
        checks = {"config": True, "upstream_pools": self.pool.ready}
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    async def _metrics(self, _: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def create_app(settings: Settings, routes: Sequence[BaseRoute] = ()) -> GatewayApp:
    """The gateway for ``settings``; ``routes`` is the seam other services (DSAR) mount on."""
    return GatewayApp(settings, routes)
