"""The gateway's own API (detokenize, policy and audit administration): who may call it is
the policy's answer, like every other request."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from proxy.audit.api import audit_routes
from proxy.caller import Caller
from proxy.decisions.admin import policy_admin_routes
from proxy.errors import GatewayError
from proxy.identity import Authenticator, AuthError
from proxy.logs import event
from proxy.pii.detokenize import detokenize_route
from proxy.residency_admin import residency_admin_routes
from proxy.respond import send_error
from proxy.runtime import Runtime

log = logging.getLogger("proxy.admin")


class AdminAuth:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def authorize(self, caller: Caller, action: str) -> bool:
        """Ask the policy whether ``caller`` may perform an administrative ``action``."""
        decision = await self._runtime.decisions.decide({
            "caller": caller.as_input(),
            "request": {"method": "POST", "system": "gateway", "path": "/admin",
                        "action": action},
            "subject": {"region": None, "source": None},
            "upstream": {"region": None},
            "transfer": {"consent": False},
        })
        return decision.allow

    def routes(self) -> Sequence[BaseRoute]:
        runtime = self._runtime
        return [detokenize_route(runtime.masker, self._may_detokenize, self._detokenized),
                *audit_routes(runtime.audit, self.authorize, runtime.evidence),
                *policy_admin_routes(runtime.decisions, self.authorize),
                *residency_admin_routes(runtime.residency, self.authorize, runtime.audit)]

    async def _may_detokenize(self, caller: Caller) -> bool:
        return await self.authorize(caller, "detokenize")

    def _detokenized(self, caller: Caller, ok: int, failed: int) -> None:
        self._runtime.audit.append("detokenize", {"caller": caller.as_input(),
                                                  "tokens_returned": ok,
                                                  "tokens_failed": failed})
        event(log, "detokenize", caller_role=caller.role, returned=ok, failed=failed)


class PublicRoute(Route):
    """A route that proves its caller some other way (e.g. a signed, expiring link), so the
    gateway does not ask for an identity."""


def authenticated(route: BaseRoute, authenticator: Authenticator) -> BaseRoute:
    """The route, answering 401 unless the request carries a valid identity, which its
    endpoint then finds in ``request.state.caller``."""
    if isinstance(route, Route) and not isinstance(route, PublicRoute):
        route.app = _Authenticated(route.app, authenticator)
    return route


class _Authenticated:
    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self._app = app
        self._authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            caller = await self._authenticator.authenticate(headers)
        except AuthError as error:
            challenge = f'Bearer realm="privacy-gateway", error="invalid_token", ' \
                        f'error_description="{error}"'
            await send_error(send, GatewayError(401, "unauthorized", str(error),
                                                {"www-authenticate": challenge}), [])
            return
        scope.setdefault("state", {})["caller"] = caller
        await self._app(scope, receive, send)
