"""Administration of the residency directory: look up, correct and delete a subject's home
region (HTTP routes for the gateway's admin API; the same operations back
`privacy-gateway residency`).

Identifiers travel in JSON bodies, never in URLs, and are never echoed back: answers and
audit entries name the identifier's kind and a keyed hash only. Changes are audited before
they are made, so no correction goes unrecorded.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from proxy.audit.entry import suspicious
from proxy.audit.writer import AuditLog
from proxy.caller import Caller
from proxy.decisions.admin import Authorize, Handler, guarded
from proxy.residency import Entry, Identifier, Kind, ResidencyDirectory

VIEW_ACTION = "residency.view"
UPDATE_ACTION = "residency.update"
PREFIX = "/admin/residency"


class InvalidRequest(ValueError):
    """A request the directory cannot act on; the message names fields, never values."""


class Lookup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    value: str = Field(min_length=1, max_length=256)

    @property
    def identifier(self) -> Identifier:
        return Identifier(self.kind, self.value)


class Correction(Lookup):
    region: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    reason: str = Field(min_length=1, max_length=500)
    # The subject's separate consent to cross-border transfers (PIPL Art. 39); None keeps it.
    transfer_consent: bool | None = None


def parse(model: type[BaseModel], document: Any) -> Any:
    """``document`` as ``model``; the error names the bad fields only (pydantic's own
    messages quote the input, which may be an e-mail address or an ID number)."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
        raise InvalidRequest(f"invalid or missing fields: {', '.join(fields)}") from None


def entry_dict(entry: Entry) -> dict[str, Any]:
    return {"kind": entry.kind, "region": entry.region, "source": entry.source,
            "updated_at": entry.updated_at.isoformat(),
            "transfer_consent": entry.transfer_consent}


async def correct(directory: ResidencyDirectory, audit: AuditLog, caller: dict[str, Any],
                  request: Correction) -> Entry:
    """Set the subject's home region to ``request.region`` (source "admin"), audited."""
    if suspicious(json.dumps({"reason": request.reason}, ensure_ascii=False)):
        raise InvalidRequest("reason looks like it holds personal data: describe the change "
                             "without e-mail addresses, phone or ID numbers")
    identifier = request.identifier
    previous = await directory.get(identifier)
    audit.append("residency.update", {
        "caller": caller, "kind": identifier.kind,
        "subject_hash": audit.hash_identifier(identifier.normalized()),
        "region": request.region, "previous_region": previous.region if previous else None,
        "transfer_consent": request.transfer_consent, "reason": request.reason})
    await directory.record([identifier], request.region, source="admin",
                           transfer_consent=request.transfer_consent)
    entry = await directory.get(identifier)
    assert entry is not None
    return entry


async def forget(directory: ResidencyDirectory, audit: AuditLog, caller: dict[str, Any],
                 request: Lookup) -> int:
    """Delete the subject's directory entry, audited; the number of entries removed."""
    identifier = request.identifier
    previous = await directory.get(identifier)
    if previous is None:
        return 0
    audit.append("residency.delete", {
        "caller": caller, "kind": identifier.kind,
        "subject_hash": audit.hash_identifier(identifier.normalized()),
        "previous_region": previous.region})
    return await directory.remove([identifier])


def residency_admin_routes(directory: ResidencyDirectory, authorize: Authorize,
                           audit: AuditLog) -> list[Route]:
    """``authorize(caller, action)`` (sync or async) is asked "residency.view" for lookups
    and "residency.update" for corrections and deletions."""

    async def lookup(request: Request, _: Caller) -> Response:
        body = parse(Lookup, await _json(request))
        entry = await directory.get(body.identifier)
        if entry is None:
            return _error(404, "no directory entry for this identifier")
        return JSONResponse(entry_dict(entry))

    async def update(request: Request, caller: Caller) -> Response:
        body = parse(Correction, await _json(request))
        entry = await correct(directory, audit, caller.as_input(), body)
        return JSONResponse(entry_dict(entry))

    async def delete(request: Request, caller: Caller) -> Response:
        body = parse(Lookup, await _json(request))
        deleted = await forget(directory, audit, caller.as_input(), body)
        if not deleted:
            return _error(404, "no directory entry for this identifier")
        return JSONResponse({"deleted": deleted})

    def route(path: str, action: str, handler: Handler, method: str) -> Route:
        return Route(path, guarded(authorize, action, _answering_invalid(handler)),
                     methods=[method])

    return [route(f"{PREFIX}/lookup", VIEW_ACTION, lookup, "POST"),
            route(PREFIX, UPDATE_ACTION, update, "PUT"),
            route(f"{PREFIX}/delete", UPDATE_ACTION, delete, "POST")]


def _answering_invalid(handler: Handler) -> Handler:
    async def endpoint(request: Request, caller: Caller) -> Response:
        try:
            return await handler(request, caller)
        except InvalidRequest as exc:
            return _error(422, str(exc))
    return endpoint


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise InvalidRequest("body must be a JSON object") from None


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
