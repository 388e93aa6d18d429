"""Admin API of the audit log: search, verify, checkpoints and public key, case evidence
packs, evidence upload / download / crypto-shredding.

Every route asks ``authorize(caller, action)`` first (the gateway plugs in the policy;
evidence actions name the category, e.g. "evidence.read.identity_document", so access can be
tiered by role). Refusals are audited. Search takes a JSON body so subject identifiers never
appear in URLs or access logs.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from urllib.parse import quote

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from proxy.audit.checkpoints import public_key_pem
from proxy.audit.evidence import EvidenceRejected, EvidenceStore, EvidenceUnavailable
from proxy.audit.pack import build_case_pack
from proxy.audit.search import SearchQuery, search
from proxy.audit.settings import EVIDENCE_CATEGORIES
from proxy.audit.verify import verify_database
from proxy.audit.writer import AuditLog
from proxy.caller import Caller
from proxy.db.tables import audit_checkpoints

Authorize = Callable[[Caller, str], bool | Awaitable[bool]]
Handler = Callable[[Request, Caller], Awaitable[Response]]
PREFIX = "/admin/audit"
logger = logging.getLogger(__name__)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class _AuditApi:
    def __init__(self, log: AuditLog, authorize: Authorize, evidence: EvidenceStore) -> None:
        self.log = log
        self.authorize = authorize
        self.evidence = evidence

    async def allowed(self, caller: Caller, action: str) -> bool:
        try:
            verdict = self.authorize(caller, action)
            if inspect.isawaitable(verdict):
                verdict = await verdict
        except Exception as exc:  # fail closed
            logger.error("authorization failed for %s (%s)", action, type(exc).__name__)
            return False
        if verdict is not True:
            self.log.append("audit.access_denied", {"action": action,
                                                    "caller": caller.as_input()})
        return verdict is True

    def guarded(self, action: str | Callable[[Request], str], handler: Handler) -> Callable:
        async def endpoint(request: Request) -> Response:
            caller = getattr(request.state, "caller", None)
            if not isinstance(caller, Caller):
                return _error(401, "not authenticated")
            name = action(request) if callable(action) else action
            if not await self.allowed(caller, name):
                return _error(403, "forbidden")
            return await handler(request, caller)
        return endpoint

    async def search(self, request: Request, _: Caller) -> Response:
        try:
            query = SearchQuery.model_validate(await request.json())
        except (ValueError, ValidationError):
            return _error(400, "body must be a JSON search query")
        await self.log.flush()  # show everything acknowledged so far
        entries = await search(self.log.db, query, self.log.hash_identifier)
        return JSONResponse({"entries": entries})

    async def verify(self, _: Request, __: Caller) -> Response:
        await self.log.flush()
        report = await verify_database(self.log.db, self.log.signer.public_key)
        return JSONResponse({"ok": report.ok, "entries": report.entries,
                             "checkpoints": report.checkpoints,
                             "problems": [asdict(p) for p in report.problems[:100]]},
                            status_code=200 if report.ok else 409)

    async def checkpoints(self, _: Request, __: Caller) -> Response:
        async with self.log.db.engine.connect() as connection:
            rows = await connection.execute(audit_checkpoints.select().order_by(
                audit_checkpoints.c.log, audit_checkpoints.c.seq))
            return JSONResponse({"public_key_id": self.log.signer.key_id,
                                 "checkpoints": [dict(r._mapping) for r in rows]})

    async def pack(self, request: Request, caller: Caller) -> Response:
        case_id = request.path_params["case_id"]
        archive, summary = await build_case_pack(self.log, self.evidence, case_id,
                                                 caller.subject)
        return Response(archive, media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="case-{case_id}.zip"',
            "X-Pack-SHA256": summary.sha256})

    async def upload(self, request: Request, caller: Caller) -> Response:
        limit = self.evidence.max_bytes
        if int(request.headers.get("content-length") or 0) > limit:
            return _error(413, f"evidence is limited to {limit} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return _error(413, f"evidence is limited to {limit} bytes")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            item = await self.evidence.add(
                request.path_params["case_id"], request.query_params["category"],
                request.headers.get("x-filename", "evidence"), content_type, bytes(body),
                caller.subject)
        except EvidenceRejected as exc:
            status = 415 if "content" in str(exc) else 400
            return _error(status, str(exc))
        return JSONResponse(asdict(item), status_code=201)

    async def listing(self, request: Request, _: Caller) -> Response:
        items = await self.evidence.items(request.path_params["case_id"])
        return JSONResponse({"items": [asdict(item) for item in items]})

    async def download(self, request: Request, caller: Caller) -> Response:
        case_id, item_id = request.path_params["case_id"], request.path_params["item_id"]
        try:
            item = await self.evidence.item(case_id, item_id)
            if not await self.allowed(caller, f"evidence.read.{item.category}"):
                return _error(403, "forbidden")
            _, name, data = await self.evidence.read(case_id, item_id, caller.subject)
        except EvidenceUnavailable as exc:
            return _error(410 if "destroyed" in str(exc) or "purged" in str(exc) else 404,
                          str(exc))
        disposition = "attachment; filename*=UTF-8''" + quote(name, safe="")
        return Response(data, media_type=item.content_type,
                        headers={"Content-Disposition": disposition})

    async def shred(self, request: Request, caller: Caller) -> Response:
        destroyed = await self.evidence.destroy_case_key(request.path_params["case_id"],
                                                         caller.subject)
        return JSONResponse({"destroyed": destroyed})


def _upload_action(request: Request) -> str:
    category = request.query_params.get("category", "")
    return f"evidence.upload.{category if category in EVIDENCE_CATEGORIES else 'other'}"


def audit_routes(log: AuditLog, authorize: Authorize, evidence: EvidenceStore) -> list[Route]:
    api = _AuditApi(log, authorize, evidence)
    case = f"{PREFIX}/cases/{{case_id}}"

    async def public_key(_: Request) -> Response:
        return Response(public_key_pem(log.signer.public_key),
                        media_type="application/x-pem-file")

    return [
        Route(f"{PREFIX}/search", api.guarded("audit.search", api.search), methods=["POST"]),
        Route(f"{PREFIX}/verify", api.guarded("audit.verify", api.verify), methods=["POST"]),
        Route(f"{PREFIX}/checkpoints", api.guarded("audit.verify", api.checkpoints)),
        Route(f"{PREFIX}/public-key", public_key),
        Route(f"{case}/pack", api.guarded("audit.export", api.pack)),
        Route(f"{case}/evidence", api.guarded(_upload_action, api.upload), methods=["POST"]),
        Route(f"{case}/evidence", api.guarded("evidence.list", api.listing), methods=["GET"]),
        Route(f"{case}/evidence/{{item_id}}", api.guarded("evidence.list", api.download)),
        Route(f"{case}/key", api.guarded("evidence.shred", api.shred), methods=["DELETE"]),
    ]

