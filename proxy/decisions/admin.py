"""Admin endpoints of the decision service: reload the policies (`POST /admin/policy/reload`)
and show what is live (`GET /admin/policy`). The caller is ``request.state.caller``, set by
the gateway's authentication; reloading also needs ``authorize(caller, "policy_reload")``."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from proxy.caller import Caller
from proxy.decisions.service import DecisionService

RELOAD_PERMISSION = "policy_reload"


def policy_admin_routes(service: DecisionService,
                        authorize: Callable[[Caller, str], bool]) -> list[Route]:
    async def reload(request: Request) -> JSONResponse:
        caller = getattr(request.state, "caller", None)
        if not isinstance(caller, Caller):
            return JSONResponse({"error": "not authenticated"}, 401)
        if not authorize(caller, RELOAD_PERMISSION):
            return JSONResponse({"error": "forbidden"}, 403)
        result = await service.reload()
        return JSONResponse(result.as_dict(), 200 if result.ok else 422)

    async def status(request: Request) -> JSONResponse:
        if not isinstance(getattr(request.state, "caller", None), Caller):
            return JSONResponse({"error": "not authenticated"}, 401)
        return JSONResponse({"revision": service.revision, "shadow_revision":
                             service.shadow_revision, "ready": service.ready,
                             "engine": service.settings.engine})

    return [Route("/admin/policy/reload", reload, methods=["POST"]),
            Route("/admin/policy", status, methods=["GET"])]
