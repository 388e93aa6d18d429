"""Admin endpoints of the decision service: reload the policies (`POST /admin/policy/reload`)
and show what is live (`GET /admin/policy`). The caller is ``request.state.caller``, set by
the gateway's authentication; each route also needs ``authorize(caller, action)`` (the
gateway asks the policy: "policy.reload", "policy.view"). ``authorize`` may be sync or
async; if it raises, the request is refused."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from proxy.caller import Caller
from proxy.decisions.service import DecisionService

RELOAD_ACTION = "policy.reload"
VIEW_ACTION = "policy.view"

Authorize = Callable[[Caller, str], bool | Awaitable[bool]]
Handler = Callable[[Request, Caller], Awaitable[Response]]
logger = logging.getLogger("privacy_gateway.decisions")


async def allowed(authorize: Authorize, caller: Caller, action: str) -> bool:
    """``authorize``'s verdict; anything but ``True`` (or an exception) is a refusal."""
    try:
        verdict = authorize(caller, action)
        if inspect.isawaitable(verdict):
            verdict = await verdict
    except Exception as exc:  # noqa: BLE001 - fail closed
        logger.error("authorization failed for %s (%s)", action, type(exc).__name__)
        return False
    return verdict is True


def guarded(authorize: Authorize, action: str,
            handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """``handler``, answering 401 without a caller and 403 unless ``action`` is allowed."""
    async def endpoint(request: Request) -> Response:
        caller = getattr(request.state, "caller", None)
        if not isinstance(caller, Caller):
            return JSONResponse({"error": "not authenticated"}, 401)
        if not await allowed(authorize, caller, action):
            return JSONResponse({"error": "forbidden"}, 403)
        return await handler(request, caller)
    return endpoint


def policy_admin_routes(service: DecisionService, authorize: Authorize) -> list[Route]:
    async def reload(_: Request, __: Caller) -> Response:
        result = await service.reload()
        return JSONResponse(result.as_dict(), 200 if result.ok else 422)

    async def status(_: Request, __: Caller) -> Response:
        return JSONResponse({"revision": service.revision, "shadow_revision":
                             service.shadow_revision, "ready": service.ready,
                             "engine": service.settings.engine})

    return [Route("/admin/policy/reload", guarded(authorize, RELOAD_ACTION, reload),
                  methods=["POST"]),
            Route("/admin/policy", guarded(authorize, VIEW_ACTION, status), methods=["GET"])]
