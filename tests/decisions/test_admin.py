"""Admin endpoints and `privacy-gateway policy reload`, through a tiny app whose middleware
turns a bearer token into the caller (as the gateway's auth wrapper does) and whose
authorization asks the live policy (as proxy.admin.AdminAuth does)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware

from proxy.caller import Caller
from proxy.cli import main
from proxy.decisions.admin import policy_admin_routes
from proxy.decisions.service import DecisionService
from proxy.decisions.settings import DEFAULT_POLICIES_DIR, PolicySettings
from tests.support import serve_in_thread

ROLES = {"dpo-token": "dpo", "agent-token": "agent", "compliance-token": "compliance"}
DPO = {"Authorization": "Bearer dpo-token"}
COMPLIANCE = {"Authorization": "Bearer compliance-token"}
AGENT = {"Authorization": "Bearer agent-token"}


class TokenCaller(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token in ROLES:
            request.state.caller = Caller(subject="u1", role=ROLES[token])
        return await call_next(request)


def admin_app(policies: Path) -> Starlette:
    service = DecisionService(PolicySettings(policies_dir=policies, run_tests_on_load=False))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        yield
        await service.close()

    async def authorize(caller: Caller, action: str) -> bool:
        decision = await service.decide({
            "caller": caller.as_input(),
            "request": {"method": "POST", "system": "gateway", "path": "/admin",
                        "action": action},
            "subject": {"region": None, "source": None}})
        return decision.allow
    routes = policy_admin_routes(service, authorize)
    return Starlette(routes=routes, middleware=[Middleware(TokenCaller)], lifespan=lifespan)


@pytest.fixture(scope="module")
def policies(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("admin") / "policies"
    shutil.copytree(DEFAULT_POLICIES_DIR, target)
    return target


@pytest.fixture(scope="module")
def client(policies: Path) -> Iterator[httpx.Client]:
    with serve_in_thread(admin_app(policies)) as url, httpx.Client(base_url=url) as client:
        yield client


def test_status_shows_the_live_set(client: httpx.Client) -> None:
    assert client.get("/admin/policy").status_code == 401
    assert client.get("/admin/policy", headers=AGENT).status_code == 403
    body = client.get("/admin/policy", headers=DPO).json()
    assert body["ready"] and body["engine"] == "embedded" and len(body["revision"]) == 16
    assert body["shadow_revision"] is None


def test_reload_needs_the_permission(client: httpx.Client) -> None:
    assert client.post("/admin/policy/reload").status_code == 401
    for role in (AGENT, DPO):  # the DPO may view the policy, not reload it
        assert client.post("/admin/policy/reload", headers=role).status_code == 403


def test_a_failing_authorizer_refuses(policies: Path) -> None:
    service = DecisionService(PolicySettings(policies_dir=policies, run_tests_on_load=False))

    def broken(caller: Caller, action: str) -> bool:
        raise RuntimeError("policy store unreachable")
    app = Starlette(routes=policy_admin_routes(service, broken),
                    middleware=[Middleware(TokenCaller)])
    with serve_in_thread(app) as url:
        assert httpx.post(f"{url}/admin/policy/reload", headers=COMPLIANCE).status_code == 403


def test_reload_loads_a_changed_set_and_rejects_a_broken_one(client, policies) -> None:
    before = client.get("/admin/policy", headers=DPO).json()["revision"]
    regions = policies / "data" / "regions.json"
    regions.write_text(regions.read_text().replace("Mainland China", "PRC"))
    loaded = client.post("/admin/policy/reload", headers=COMPLIANCE)
    assert loaded.status_code == 200
    assert loaded.json()["ok"] and loaded.json()["previous_revision"] == before
    live = loaded.json()["revision"]
    (policies / "broken.rego").write_text("package broken\n\nx := := 1\n")
    try:
        rejected = client.post("/admin/policy/reload", headers=COMPLIANCE)
    finally:
        (policies / "broken.rego").unlink()
    assert rejected.status_code == 422
    assert not rejected.json()["ok"] and rejected.json()["revision"] == live
    assert rejected.json()["errors"]


def test_reload_command_posts_to_the_gateway(policies, capsys) -> None:
    with serve_in_thread(admin_app(policies)) as url:
        assert main(["policy", "reload", "--url", url, "--token", "compliance-token"]) == 0
        assert '"ok": true' in capsys.readouterr().out
        assert main(["policy", "reload", "--url", url, "--token", "dpo-token"]) == 2
        assert "HTTP 403" in capsys.readouterr().err
