"""The sample upstream: one region's CRM, helpdesk and call-center JSON APIs on one app, and
contact exports (CSV, NDJSON, XML, CSV in a zip).

Lists serve cached per-record JSON bytes (see ``Collection``), so paging through unchanged
data costs a join, not a serialization. Lookup filters use indexes rebuilt after changes.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import xmltodict
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from proxy.demo.collection import Collection, Record, encode
from proxy.demo.dataset import RegionData
from proxy.demo.phones import phone_keys
from proxy.demo.schemas import (
    CallIn,
    CommentIn,
    ContactIn,
    InvalidInput,
    TicketIn,
    merge_patch,
    validate,
)

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
_PAGE_CACHE_BYTES = 64 * 2**20
_DEFAULT_COUNTRY = {"cn": "CN", "us": "US"}

# filter parameter -> (index name, record -> keys, query value -> keys); "q" and "name" scan.
_Lookup = tuple[str, Callable[[Record], Iterable[str]], Callable[[str], Iterable[str]]]


def _lower(field: str) -> _Lookup:
    return (field, lambda r: [str(r.get(field, "")).lower()], lambda v: [v.lower()])


def _exact(field: str) -> _Lookup:
    return (field, lambda r: [str(r.get(field, ""))], lambda v: [v])


def _error(status: int, error: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": error, **extra}, status_code=status)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _BearerAuth:
    """Rejects every request without ``Authorization: Bearer <token>`` with 401 JSON."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                response = _error(401, "unauthorized", detail="missing or invalid bearer token")
                response.headers["WWW-Authenticate"] = "Bearer"
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _Api:
    def __init__(self, region: str, data: RegionData) -> None:
        self.region = region
        self.data = data
        # (kind, host, query) -> (collection version, response body)
        self._pages: dict[tuple[str, str, str], tuple[int, bytes]] = {}
        self._page_bytes = 0
        country = _DEFAULT_COUNTRY.get(region)
        self.lookups: dict[str, dict[str, _Lookup]] = {
            "contacts": {
                "email": _lower("email"),
                "customer_id": _exact("customer_id"),
                "phone": ("phone", lambda r: phone_keys(r.get("phone") or "", r.get("country")),
                          lambda v: phone_keys(v, country)),
            },
            "tickets": {"contact_id": _exact("contact_id"),
                        "customer_email": _lower("customer_email")},
            "calls": {
                "contact_id": _exact("contact_id"),
                "caller_number": ("caller_number",
                                  lambda r: phone_keys(r.get("caller_number") or "", country),
                                  lambda v: phone_keys(v, country)),
            },
        }

    # --- shared list / detail machinery -------------------------------------------------

    def _matching(self, request: Request, kind: str) -> list[int]:
        params = request.query_params
        items: Collection = getattr(self.data, kind)
        ids: list[int] | None = None
        for name, (index_name, record_keys, query_keys) in self.lookups[kind].items():
            if name in params:
                index = items.index(index_name, record_keys)
                found = {i for key in query_keys(params[name]) for i in index.get(key, ())}
                ids = sorted(found) if ids is None else [i for i in ids if i in found]
        ids = items.ids() if ids is None else ids
        if "name" in params and kind == "contacts":
            needle = params["name"].lower()
            ids = [i for i in ids if needle in str(items.get(i).get("name", "")).lower()]
        if "q" in params:
            needle = params["q"].lower()
            ids = [i for i in ids if needle in items.text(i)]
        return ids

    def _page(self, request: Request, kind: str) -> Response:
        """A list page, served from cache while the collection is unchanged."""
        items: Collection = getattr(self.data, kind)
        key = (kind, request.headers.get("host", ""), request.url.query)
        cached = self._pages.get(key)
        if cached is None or cached[0] != items.version:
            response = self._render_page(request, kind)
            if response.status_code != 200:
                return response
            if self._page_bytes > _PAGE_CACHE_BYTES:
                self._pages.clear()
                self._page_bytes = 0
            cached = self._pages[key] = (items.version, bytes(response.body))
            self._page_bytes += len(cached[1])
        return Response(cached[1], media_type="application/json")

    @staticmethod
    def _paging(request: Request) -> tuple[int, int]:
        """``page`` and ``per_page`` (capped); InvalidInput when they are no whole numbers."""
        paging = {"page": 1, "per_page": DEFAULT_PER_PAGE}
        errors = {}
        for name in paging:
            value = request.query_params.get(name, str(paging[name]))
            if value.isdigit() and int(value) >= 1:
                paging[name] = int(value)
            else:
                errors[name] = "must be a whole number of 1 or more"
        if errors:
            raise InvalidInput(errors)
        return paging["page"], min(paging["per_page"], MAX_PER_PAGE)

    def _page_ids(self, request: Request, kind: str, page: int,
                  per_page: int) -> tuple[list[int], int, str | None]:
        """The ids of the page, the total and the next page's URL (if any)."""
        ids = self._matching(request, kind)
        start = (page - 1) * per_page
        more = start + per_page < len(ids)
        next_url = str(request.url.include_query_params(page=page + 1)) if more else None
        return ids[start:start + per_page], len(ids), next_url

    def _render_page(self, request: Request, kind: str) -> Response:
        page, per_page = self._paging(request)
        page_ids, total, next_url = self._page_ids(request, kind, page, per_page)
        items: Collection = getattr(self.data, kind)
        tail = {"page": page, "per_page": per_page, "total": total, "next": next_url}
        fields = [f for f in request.query_params.get("fields", "").split(",") if f]
        if fields:  # a sparse fieldset, as many CRM APIs offer
            records = (items.get(i) for i in page_ids)
            rendered = [encode({k: r[k] for k in fields if k in r}) for r in records if r]
        else:
            rendered = [items.encoded(i) for i in page_ids]
        body = b"".join((b'{"results":[', b",".join(rendered), b"],", encode(tail)[1:]))
        return Response(body, media_type="application/json")

    @staticmethod
    def _found(items: Collection, request: Request, kind: str, key: str = "id") -> Record:
        record_id = request.path_params[key]
        record = items.get(record_id)
        if record is None:
            raise HTTPException(404, f"{kind} {record_id} not found")
        return record

    async def _payload(self, request: Request) -> Any:
        try:
            return json.loads(await request.body())
        except ValueError:
            raise InvalidInput({"": "body is not valid JSON"}) from None

    async def _create(self, request: Request, items: Collection, model: type[BaseModel],
                      extra: Callable[[Record], Record]) -> Record:
        fields = validate(model, await self._payload(request))
        now = _now()
        record = items.add({**fields, "created_at": now, "updated_at": now})
        record = extra(record)
        items.put(record)
        return record

    async def _update(self, request: Request, items: Collection, model: type[BaseModel],
                      record: Record, *, replace: bool, extra: Callable[[Record], Record]
                      ) -> Record:
        payload = await self._payload(request)
        fields = validate(model, payload if replace else merge_patch(record, payload))
        kept = {k: record[k] for k in ("id", "customer_id", "ticket_id", "created_at")
                if k in record}
        updated = extra({**kept, **fields, "updated_at": _now()})
        items.put(updated)
        return updated

    def _detail(self, items: Collection, record: Record) -> Response:
        return Response(items.encoded(record["id"]), media_type="application/json")

    # --- contacts ----------------------------------------------------------------------

    def _contact_extra(self, record: Record) -> Record:
        first, last = record["first_name"], record["last_name"]
        cjk = any("\u4e00" <= c <= "\u9fff" for c in first + last)
        record["name"] = last + first if cjk else f"{first} {last}"
        record.setdefault("customer_id", f"C-{self.region.upper()}-{record['id']:06d}")
        return record

    async def contacts(self, request: Request) -> Response:
        items = self.data.contacts
        if request.method == "GET":
            return self._page(request, "contacts")
        record = await self._create(request, items, ContactIn, self._contact_extra)
        return self._created(request, items, record)

    async def contact(self, request: Request) -> Response:
        items = self.data.contacts
        record = self._found(items, request, "contact")
        if request.method == "GET":
            return self._detail(items, record)
        if request.method == "DELETE":
            items.remove(record["id"])
            return Response(status_code=204)
        record = await self._update(request, items, ContactIn, record,
                                    replace=request.method == "PUT", extra=self._contact_extra)
        return self._detail(items, record)

    async def export(self, request: Request) -> Response:
        """The contacts of a list page as a file: CSV, NDJSON, XML, or CSV in a zip archive. A
        further page is named by a ``Link: <…>; rel="next"`` header."""
        export = _EXPORTS.get(request.path_params["format"])
        if export is None:
            raise HTTPException(404, "no such export format")
        media_type, render = export
        page_ids, _, next_url = self._page_ids(request, "contacts", *self._paging(request))
        records = [self.data.contacts.get(i) for i in page_ids]
        headers = {"link": f'<{next_url}>; rel="next"'} if next_url else {}
        return Response(render([r for r in records if r]), media_type=media_type,
                        headers=headers)

    def _created(self, request: Request, items: Collection, record: Record) -> Response:
        """201 with the new record's address, as a real CRM's REST API answers a create."""
        location = str(request.url.replace(query="")).rstrip("/") + f"/{record['id']}"
        return Response(items.encoded(record["id"]), status_code=201,
                        media_type="application/json", headers={"location": location})

    # --- tickets and comments ----------------------------------------------------------

    def _comments_of(self, ticket_id: int) -> list[Record]:
        comments = self.data.comments
        index = comments.index("ticket_id", lambda r: [str(r["ticket_id"])])
        return [comments.get(i) for i in index.get(str(ticket_id), ())]

    async def tickets(self, request: Request) -> Response:
        items = self.data.tickets
        if request.method == "GET":
            return self._page(request, "tickets")
        record = await self._create(request, items, TicketIn, lambda r: r)
        return self._created(request, items, record)

    async def ticket(self, request: Request) -> Response:
        items = self.data.tickets
        record = self._found(items, request, "ticket")
        if request.method == "DELETE":
            items.remove(record["id"])
            for comment in self._comments_of(record["id"]):
                self.data.comments.remove(comment["id"])
            return Response(status_code=204)
        if request.method == "PATCH":
            record = await self._update(request, items, TicketIn, record, replace=False,
                                        extra=lambda r: r)
        return JSONResponse({**record, "comments": self._comments_of(record["id"])})

    async def comments(self, request: Request) -> Response:
        ticket = self._found(self.data.tickets, request, "ticket")
        if request.method == "GET":
            comments = self._comments_of(ticket["id"])
            return JSONResponse({"results": comments, "total": len(comments)})
        record = await self._create(request, self.data.comments, CommentIn,
                                    lambda r: {"id": r["id"], "ticket_id": ticket["id"], **r})
        self._touch(ticket)
        return self._created(request, self.data.comments, record)

    async def comment(self, request: Request) -> Response:
        ticket = self._found(self.data.tickets, request, "ticket")
        items = self.data.comments
        record = self._found(items, request, "comment", "cid")
        if record["ticket_id"] != ticket["id"]:
            raise HTTPException(404, f"comment {record['id']} not found")
        if request.method == "DELETE":
            items.remove(record["id"])
            self._touch(ticket)
            return Response(status_code=204)
        record = await self._update(request, items, CommentIn, record, replace=False,
                                    extra=lambda r: r)
        self._touch(ticket)
        return self._detail(items, record)

    def _touch(self, ticket: Record) -> None:
        self.data.tickets.put({**ticket, "updated_at": _now()})

    # --- calls -------------------------------------------------------------------------

    async def calls(self, request: Request) -> Response:
        return self._page(request, "calls")

    async def call(self, request: Request) -> Response:
        items = self.data.calls
        record = self._found(items, request, "call")
        if request.method == "GET":
            return self._detail(items, record)
        if request.method == "DELETE":
            items.remove(record["id"])
            return Response(status_code=204)
        record = await self._update(request, items, CallIn, record, replace=False,
                                    extra=lambda r: r)
        return self._detail(items, record)

    # --- search ------------------------------------------------------------------------

    def _hits(self, system: str) -> Iterable[tuple[str, Collection, Callable[[Record], dict]]]:
        data = self.data
        if system == "crm":
            yield "contact", data.contacts, lambda r: {"contact_id": r["id"]}
        elif system == "helpdesk":
            yield "ticket", data.tickets, lambda r: {"contact_id": r["contact_id"]}
            yield "comment", data.comments, self._comment_owner
        else:
            yield "call", data.calls, lambda r: {"contact_id": r["contact_id"]}

    def _comment_owner(self, comment: Record) -> dict[str, Any]:
        ticket = self.data.tickets.get(comment["ticket_id"]) or {}
        return {"ticket_id": comment["ticket_id"], "contact_id": ticket.get("contact_id")}

    async def search(self, request: Request) -> Response:
        needle = request.query_params.get("q", "").strip().lower()
        if not needle:
            return _error(422, "validation_failed", fields={"q": "required"})
        system = request.url.path.split("/")[1]
        results = [{"type": kind, "id": i, **owner(items.get(i))}
                   for kind, items, owner in self._hits(system)
                   for i in items.ids() if needle in items.text(i)]
        return JSONResponse({"results": results, "total": len(results)})

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "region": self.region})


_EXPORT_COLUMNS = ("id", "customer_id", "name", "email", "phone", "address", "country",
                   "birth_date", "national_id", "iban", "bank_card", "notes")


def _export_row(record: Record) -> list[str]:
    """A contact as flat cells: nested values under the column names a CRM export uses."""
    address = record.get("address") or {}
    flat = {**record,
            "address": ", ".join(str(address[k]) for k in ("street", "postcode", "city")
                                 if address.get(k)),
            "national_id": (record.get("national_id") or {}).get("value", ""),
            "iban": (record.get("bank") or {}).get("iban", ""),
            "bank_card": (record.get("bank") or {}).get("card", "")}
    return [str(flat.get(column) or "") for column in _EXPORT_COLUMNS]


def _csv(records: list[Record]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_EXPORT_COLUMNS)
    writer.writerows(_export_row(record) for record in records)
    return out.getvalue().encode()


def _ndjson(records: list[Record]) -> bytes:
    return b"".join(encode(record) + b"\n" for record in records)


def _xml(records: list[Record]) -> bytes:
    """As an XML API answers: one element per field, the id as an attribute."""
    contacts = [{"@id": str(r["id"]), **{k: v for k, v in r.items() if k != "id"}}
                for r in records]
    return xmltodict.unparse({"contacts": {"contact": contacts}}).encode()


def _zip(records: list[Record]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("contacts.csv", _csv(records))
    return out.getvalue()


# format -> (media type, renderer)
_EXPORTS: dict[str, tuple[str, Callable[[list[Record]], bytes]]] = {
    "csv": ("text/csv; charset=utf-8", _csv),
    "ndjson": ("application/x-ndjson", _ndjson),
    "xml": ("application/xml", _xml),
    "zip": ("application/zip", _zip),
}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
    return _error(exc.status_code, error, detail=exc.detail)


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidInput)
    return _error(422, "validation_failed", fields=exc.fields)


def create_crm_app(region: str, data: RegionData, *, token: str | None = None) -> Starlette:
    """The sample upstream for ``region`` serving (and changing) ``data`` in memory."""
    api = _Api(region, data)
    routes = [
        Route("/healthz", api.health),
        Route("/crm/v1/contacts", api.contacts, methods=["GET", "POST"]),
        Route("/crm/v1/exports/contacts.{format}", api.export),
        Route("/crm/v1/contacts/{id:int}", api.contact,
              methods=["GET", "PATCH", "PUT", "DELETE"]),
        Route("/helpdesk/v1/tickets", api.tickets, methods=["GET", "POST"]),
        Route("/helpdesk/v1/tickets/{id:int}", api.ticket, methods=["GET", "PATCH", "DELETE"]),
        Route("/helpdesk/v1/tickets/{id:int}/comments", api.comments, methods=["GET", "POST"]),
        Route("/helpdesk/v1/tickets/{id:int}/comments/{cid:int}", api.comment,
              methods=["PATCH", "DELETE"]),
        Route("/calls/v1/calls", api.calls),
        Route("/calls/v1/calls/{id:int}", api.call, methods=["GET", "PATCH", "DELETE"]),
        *(Route(f"/{system}/v1/search", api.search) for system in ("crm", "helpdesk", "calls")),
    ]
    middleware = [Middleware(_BearerAuth, token=token)] if token else []
    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={HTTPException: _http_error, InvalidInput: _invalid})
