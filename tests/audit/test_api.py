"""Admin API over real HTTP: role-tiered evidence access, search by hashed subject, verify,
case pack download. The identity layer is the gateway's; here a stand-in middleware sets
``request.state.caller`` from test headers."""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from proxy.audit.api import audit_routes
from proxy.audit.runtime import audit_services
from proxy.caller import Caller
from proxy.settings import Settings
from tests.support import serve_in_thread

PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)
PDF = b"%PDF-1.7\n" + bytes(100)
GRANTS = {
    "dpo": {"audit.search", "audit.verify", "audit.export", "evidence.list", "evidence.shred",
            "evidence.upload.identity_document", "evidence.upload.screenshot",
            "evidence.read.identity_document", "evidence.read.screenshot"},
    "agent": {"evidence.list", "evidence.upload.screenshot", "evidence.read.screenshot"},
}


def authorize(caller: Caller, action: str) -> bool:
    return action in GRANTS.get(caller.role, set())


class _TestIdentity(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if "x-test-role" in request.headers:
            request.state.caller = Caller(subject=f"{request.headers['x-test-role']}-1",
                                          role=request.headers["x-test-role"])
        return await call_next(request)


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with audit_services(settings) as services:
            app.router.routes.extend(audit_routes(services.log, authorize, services.evidence))
            yield

    app = Starlette(lifespan=lifespan, middleware=[Middleware(_TestIdentity)])
    with serve_in_thread(app) as url:
        yield url


def as_role(role: str) -> dict[str, str]:
    return {"x-test-role": role}


def test_evidence_access_is_tiered_by_role(base_url: str) -> None:
    with httpx.Client(base_url=f"{base_url}/admin/audit/cases/c-1") as client:
        passport = client.post("/evidence?category=identity_document", content=PDF,
                               headers={**as_role("dpo"), "content-type": "application/pdf",
                                        "x-filename": "passport.pdf"})
        assert passport.status_code == 201
        refused = client.post("/evidence?category=identity_document", content=PDF,
                              headers={**as_role("agent"), "content-type": "application/pdf"})
        assert refused.status_code == 403
        shot = client.post("/evidence?category=screenshot", content=PNG,
                           headers={**as_role("agent"), "content-type": "image/png"})
        assert shot.status_code == 201
        passport_id, shot_id = passport.json()["item_id"], shot.json()["item_id"]

        assert client.get(f"/evidence/{shot_id}", headers=as_role("agent")).content == PNG
        assert client.get(f"/evidence/{passport_id}", headers=as_role("agent")).status_code == 403
        assert client.get(f"/evidence/{passport_id}", headers=as_role("dpo")).content == PDF
        assert client.get(f"/evidence/{passport_id}").status_code == 401

        assert client.delete("/key", headers=as_role("dpo")).json() == {"destroyed": True}
        assert client.get(f"/evidence/{shot_id}", headers=as_role("agent")).status_code == 410


def test_upload_limits_are_enforced(base_url: str) -> None:
    with httpx.Client(base_url=f"{base_url}/admin/audit/cases/c-1") as client:
        headers = {**as_role("dpo"), "content-type": "image/png"}
        too_big = client.post("/evidence?category=screenshot", headers=headers,
                              content=PNG + bytes(21 * 1024 * 1024))
        assert too_big.status_code == 413
        fake = client.post("/evidence?category=screenshot", headers=headers,
                           content=b"MZ\x90\x00 not a png")
        assert fake.status_code == 415


def test_search_verify_and_pack(base_url: str) -> None:
    with httpx.Client(base_url=f"{base_url}/admin/audit") as client:
        client.post("/cases/c-2/evidence?category=screenshot", content=PNG,
                    headers={**as_role("dpo"), "content-type": "image/png"})
        found = client.post("/search", json={"case_id": "c-2"}, headers=as_role("dpo"))
        assert [e["kind"] for e in found.json()["entries"]] == ["evidence.added"]
        assert client.post("/search", json={}, headers=as_role("agent")).status_code == 403
        verified = client.post("/verify", headers=as_role("dpo")).json()
        assert verified["ok"] and verified["entries"] >= 2  # upload + the refused search
        pack = client.get("/cases/c-2/pack", headers=as_role("dpo"))
        assert pack.status_code == 200
        names = zipfile.ZipFile(io.BytesIO(pack.content)).namelist()
        assert "manifest.sha256" in names and any(n.startswith("evidence/") for n in names)
        denied = client.post("/search", json={"kind": "audit.access_denied"},
                             headers=as_role("dpo")).json()["entries"]
        assert denied[0]["fields"]["action"] == "audit.search"
