"""Requests in the OpenDSR 2.0 shape (`POST /opendsr/requests`, `GET /opendsr/requests/{id}`,
`GET /opendsr/discovery`), mapped onto the same workflow as /dsar/v1."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dsar.api import json_errors
from dsar.identities import Identity, IdentityKind
from dsar.store import Case
from dsar.workflow import CaseNotFound, Workflow

API_VERSION = "2.0"
_TYPES = {"access": "access", "portability": "export", "erasure": "erasure"}
_IDENTITIES: dict[str, IdentityKind] = {"email": "email", "phone_number": "phone",
                                        "controller_customer_id": "customer_id",
                                        "national_id": "national_id", "name": "name"}
_STATUS = {"received": "pending", "verifying": "pending", "awaiting_approval": "pending",
           "approved": "pending", "in_progress": "in_progress", "failed": "in_progress",
           "completed": "completed", "denied": "cancelled", "cancelled": "cancelled"}


class SubjectIdentity(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    identity_type: Literal["email", "phone_number", "controller_customer_id", "national_id",
                           "name"]
    identity_value: str = Field(min_length=1, max_length=512)
    identity_format: Literal["raw"] = "raw"


class OpenDsrRequest(BaseModel):
    # OpenDSR lets senders add fields (property_id, status_callback_urls, extensions ...).
    model_config = ConfigDict(extra="ignore", frozen=True)
    subject_request_id: str = Field(min_length=1, max_length=64)
    subject_request_type: Literal["access", "portability", "erasure"]
    submitted_time: datetime | None = None
    subject_identities: list[SubjectIdentity] = Field(min_length=1, max_length=20)
    api_version: str = API_VERSION


class OpenDsrApi:
    def __init__(self, workflow: Workflow) -> None:
        self._workflow = workflow

    def routes(self) -> list[Route]:
        return [Route("/opendsr/discovery", json_errors(self.discovery), methods=["GET"]),
                Route("/opendsr/requests", json_errors(self.create), methods=["POST"]),
                Route("/opendsr/requests/{request_id}", json_errors(self.status),
                      methods=["GET"])]

    async def discovery(self, _: Request) -> Response:
        return JSONResponse({
            "api_version": API_VERSION,
            "supported_identities": [{"identity_type": kind, "identity_format": "raw"}
                                     for kind in _IDENTITIES],
            "supported_subject_request_types": list(_TYPES)})

    async def create(self, request: Request) -> Response:
        body = OpenDsrRequest.model_validate_json(await request.body() or b"{}")
        existing = await self._workflow.store.by_external_id(body.subject_request_id)
        if existing is not None:  # a resend: the same request, not a new one
            await self._workflow.require(request.state.caller, "view")
            return JSONResponse(self._shape(existing), status_code=200)
        case = await self._workflow.create(
            request.state.caller, _TYPES[body.subject_request_type],  # type: ignore[arg-type]
            [Identity(_IDENTITIES[i.identity_type], i.identity_value)
             for i in body.subject_identities],
            received_at=body.submitted_time, source="opendsr",
            external_id=body.subject_request_id)
        return JSONResponse(self._shape(case), status_code=201)

    async def status(self, request: Request) -> Response:
        await self._workflow.require(request.state.caller, "view")
        case = await self._workflow.store.by_external_id(request.path_params["request_id"])
        if case is None:
            raise CaseNotFound(request.path_params["request_id"])
        return JSONResponse({**self._shape(case), "request_status": _STATUS[case.state]})

    @staticmethod
    def _shape(case: Case) -> dict[str, Any]:
        return {"api_version": API_VERSION, "subject_request_id": case.external_id,
                "received_time": case.received_at.isoformat(),
                "expected_completion_time": case.due_at.isoformat(),
                "request_status": _STATUS[case.state]}
