"""The `/dsar/v1` JSON API. Every route is behind the gateway's authentication
(``request.state.caller``); what a caller may do is the workflow's policy check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import iterate_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from dsar.deadlines import DeadlineError
from dsar.identities import Identity, IdentityKind, RequestType
from dsar.links import DownloadLinks, LinkError
from dsar.models import CASE_STATES, TransitionError
from dsar.notifiers import NotifierError
from dsar.openapi import openapi_document
from dsar.store import Case, now_utc
from dsar.verification import VerificationError
from dsar.workflow import CaseNotFound, Forbidden, Workflow
from proxy.admin import PublicRoute

PREFIX = "/dsar/v1"
ReadExport = Callable[[Case], Iterator[bytes]]


class ExportUnavailable(LookupError):
    def __init__(self) -> None:
        super().__init__("no export for this request (not ready, or destroyed after retention)")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdentityIn(_Body):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=512)


class CreateIn(_Body):
    type: RequestType
    identities: list[IdentityIn] = Field(min_length=1, max_length=20)
    region: str | None = None
    received_at: datetime | None = Field(default=None, description="when it arrived, if earlier")


class SendCodeIn(_Body):
    channel: Literal["email", "phone"] = "email"


class VerifyIn(_Body):
    code: str | None = Field(default=None, max_length=16)
    attestation: str | None = Field(default=None, max_length=2000)


class ReasonIn(_Body):
    reason: str = Field(min_length=1, max_length=2000)


class ExtendIn(ReasonIn):
    months: int = Field(default=0, ge=0, le=2)
    days: int = Field(default=0, ge=0, le=90)


BODIES: dict[str, type[_Body]] = {"create": CreateIn, "send-code": SendCodeIn,
                                  "verify": VerifyIn, "deny": ReasonIn, "cancel": ReasonIn,
                                  "revoke": ReasonIn, "extend": ExtendIn}
_STATUS: list[tuple[type[Exception], int]] = [
    (Forbidden, 403), (LinkError, 403), (CaseNotFound, 404), (ExportUnavailable, 404),
    (TransitionError, 409), (NotifierError, 502), (DeadlineError, 422), (VerificationError, 422),
    (ValueError, 422)]


def _error(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse(body, status_code=status)


def json_errors(endpoint: Callable[[Request], Awaitable[Response]]
             ) -> Callable[[Request], Awaitable[Response]]:
    """Known failures as JSON errors (their messages never hold an identity)."""

    async def wrapped(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ValidationError as error:
            details = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                       for e in error.errors(include_input=False)]
            return _error(422, "invalid_request", "the request body is not valid", details)
        except Exception as error:
            for kind, status in _STATUS:
                if isinstance(error, kind):
                    return _error(status, type(error).__name__.lower(), str(error))
            raise

    return wrapped


async def _body(request: Request, model: type[_Body]) -> Any:
    raw = await request.body()
    return model.model_validate_json(raw or b"{}")


class DsarApi:
    def __init__(self, workflow: Workflow, links: DownloadLinks, link_ttl: timedelta,
                 read_export: ReadExport) -> None:
        self._workflow = workflow
        self._links = links
        self._link_ttl = link_ttl
        self._read_export = read_export

    def routes(self) -> list[Route]:
        case = f"{PREFIX}/requests/{{case_id}}"
        table: list[tuple[str, Callable[[Request], Awaitable[Response]], str]] = [
            (f"{PREFIX}/openapi.json", self.openapi, "GET"),
            (f"{PREFIX}/requests", self.create, "POST"),
            (f"{PREFIX}/requests", self.list, "GET"),
            (case, self.show, "GET"),
            (f"{case}/send-code", self.send_code, "POST"),
            (f"{case}/verify", self.verify, "POST"),
            (f"{case}/approve", self.approve, "POST"),
            (f"{case}/deny", self.reasoned("deny"), "POST"),
            (f"{case}/cancel", self.reasoned("cancel"), "POST"),
            (f"{case}/revoke", self.reasoned("revoke"), "POST"),
            (f"{case}/extend", self.extend, "POST"),
            (f"{case}/retry", self.retry, "POST"),
            (f"{case}/download-link", self.download_link, "POST"),
        ]
        # The subject downloads without gateway credentials: the signed link is the proof.
        public = PublicRoute(f"{case}/download", json_errors(self.download), methods=["GET"])
        return [*(Route(path, json_errors(endpoint), methods=[method])
                  for path, endpoint, method in table), public]

    async def openapi(self, _: Request) -> Response:
        return JSONResponse(openapi_document(PREFIX, BODIES))

    async def create(self, request: Request) -> Response:
        body: CreateIn = await _body(request, CreateIn)
        case = await self._workflow.create(
            request.state.caller, body.type,
            [Identity(i.kind, i.value) for i in body.identities],
            region=body.region, received_at=body.received_at)
        return self._case(case, status=201)

    async def list(self, request: Request) -> Response:
        query = request.query_params
        state = query.get("state")
        if state is not None and state not in CASE_STATES:
            raise ValueError(f"state must be one of {', '.join(CASE_STATES)}")
        try:
            limit, offset = int(query.get("limit", 100)), int(query.get("offset", 0))
        except ValueError:
            raise ValueError("limit and offset must be whole numbers") from None
        cases = await self._workflow.list(
            request.state.caller, state=state, type_=query.get("type"),
            due_soon=query.get("due_soon") == "true", overdue=query.get("overdue") == "true",
            limit=max(1, min(limit, 1000)), offset=max(0, offset))
        now = now_utc()
        return JSONResponse({"requests": [c.as_dict(now) for c in cases]})

    async def show(self, request: Request) -> Response:
        view = await self._workflow.show(request.state.caller, request.path_params["case_id"])
        return JSONResponse(view.as_dict(now_utc()))

    async def send_code(self, request: Request) -> Response:
        body: SendCodeIn = await _body(request, SendCodeIn)
        return self._case(await self._workflow.send_code(
            request.state.caller, request.path_params["case_id"], body.channel))

    async def verify(self, request: Request) -> Response:
        body: VerifyIn = await _body(request, VerifyIn)
        return self._case(await self._workflow.verify(
            request.state.caller, request.path_params["case_id"], code=body.code,
            attestation=body.attestation))

    async def approve(self, request: Request) -> Response:
        return self._case(await self._workflow.approve(request.state.caller,
                                                       request.path_params["case_id"]))

    def reasoned(self, step: Literal["deny", "cancel", "revoke"]
                 ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            body: ReasonIn = await _body(request, ReasonIn)
            action = getattr(self._workflow, step)
            return self._case(await action(request.state.caller,
                                           request.path_params["case_id"], body.reason))
        return endpoint

    async def extend(self, request: Request) -> Response:
        body: ExtendIn = await _body(request, ExtendIn)
        return self._case(await self._workflow.extend(
            request.state.caller, request.path_params["case_id"], body.reason,
            months=body.months, days=body.days))

    async def retry(self, request: Request) -> Response:
        return self._case(await self._workflow.retry(request.state.caller,
                                                     request.path_params["case_id"]))

    async def download_link(self, request: Request) -> Response:
        case = await self._ready_export(request)
        expires = min(now_utc() + self._link_ttl, case.export_expires_at or now_utc())
        stamp, signature = self._links.sign(case.id, expires)
        url = f"{PREFIX}/requests/{case.id}/download?expires={stamp}&signature={signature}"
        return JSONResponse({"url": url, "expires_at": expires.isoformat()})

    async def download(self, request: Request) -> Response:
        """The export through a signed link (no gateway identity: ``request.state`` has no
        caller here)."""
        query = request.query_params
        case_id, expires = request.path_params["case_id"], query.get("expires", "")
        self._links.check(case_id, expires, query.get("signature", ""), now_utc())
        case = _ready(await self._workflow.store.get(case_id))
        self._workflow.audit.append("dsar.downloaded", {"case_id": case.id,
                                                        "link_expires": int(expires)})
        chunks = iterate_in_threadpool(self._read_export(case))
        return StreamingResponse(chunks, media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="dsar-{case.id}.zip"'})

    async def _ready_export(self, request: Request) -> Case:
        await self._workflow.require(request.state.caller, "export")
        view = await self._workflow.show(request.state.caller, request.path_params["case_id"])
        return _ready(view.case)

    def _case(self, case: Case, status: int = 200) -> Response:
        return JSONResponse(case.as_dict(now_utc()), status_code=status)


def _ready(case: Case | None) -> Case:
    """The case if its export exists and has not expired."""
    if case is None or case.export_path is None or \
            (case.export_expires_at or now_utc()) <= now_utc():
        raise ExportUnavailable
    return case
