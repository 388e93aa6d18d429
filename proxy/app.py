"""The ASGI application: the gateway's own endpoints, and every other path proxied."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import AsyncIterator, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from proxy.admin import AdminAuth, authenticated
from proxy.extensions import Extension, installed
from proxy.forward import UpstreamPool
from proxy.gateway import Gateway
from proxy.identity import Authenticator
from proxy.runtime import Runtime, open_runtime
from proxy.settings import RESERVED_PREFIXES, Settings

OWN_PREFIXES = tuple(p if p in ("/healthz", "/readyz", "/metrics") else p + "/"
                     for p in RESERVED_PREFIXES)


class GatewayApp:
    """Proxied traffic goes straight to the Gateway; the rest through Starlette routing."""

    def __init__(self, settings: Settings, extensions: Sequence[Extension] = ()) -> None:
        self.settings = settings
        self.authenticator = Authenticator(settings.identity)
        self.pool = UpstreamPool(settings)
        self.gateway = Gateway(settings, self.authenticator, self.pool)
        self._extensions = extensions
        self.own = Starlette(routes=[Route("/healthz", self._healthz),
                                     Route("/readyz", self._readyz),
                                     Route("/metrics", self._metrics)],
                             lifespan=self._lifespan)

    @property
    def runtime(self) -> Runtime | None:
        return self.gateway.runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(OWN_PREFIXES):
            await self.gateway(scope, receive, send)
        else:
            await self.own(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        async with open_runtime(self.settings) as runtime, contextlib.AsyncExitStack() as stack:
            await self.pool.open()
            stack.push_async_callback(self.pool.close)
            auth = AdminAuth(runtime)
            routes: list[BaseRoute] = list(auth.routes())
            for extension in self._extensions:
                routes.extend(await stack.enter_async_context(
                    extension(self.settings, runtime, auth)))
            self.own.router.routes.extend(authenticated(r, self.authenticator) for r in routes)
            if threading.current_thread() is threading.main_thread():
                runtime.decisions.install_signal_handler()  # SIGHUP reloads the policies
            # What start-up loaded (models, dictionaries, policy tables) lives as long as the
            # process: frozen, full collections stop walking it (they stalled requests ~100 ms).
            gc.collect()
            gc.freeze()
            self.gateway.runtime = runtime
            try:
                yield
            finally:
                self.gateway.runtime = None
                self.gateway.close()

    async def _healthz(self, _: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def _readyz(self, _: Request) -> Response:
        runtime = self.runtime
        checks = {"config": True, "upstream_pools": self.pool.ready,
                  "policy": bool(runtime and runtime.decisions.ready),
                  "masking": runtime is not None}
        ready = all(checks.values())
        body = {"ready": ready, "checks": checks,
                "policy_revision": runtime.decisions.revision if runtime else None}
        return JSONResponse(body, status_code=200 if ready else 503)

    async def _metrics(self, _: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def create_app(settings: Settings, extensions: Sequence[Extension] | None = None) -> GatewayApp:
    """The gateway for ``settings`` with ``extensions`` (default: every installed one, see
    proxy.extensions) mounted once the runtime (database, audit, policy) is open."""
    return GatewayApp(settings, installed() if extensions is None else extensions)
