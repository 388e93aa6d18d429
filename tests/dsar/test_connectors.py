"""Declared connectors against a stand-in CRM served by uvicorn on 127.0.0.1: every paging
style finds each record exactly once, changes carry their declared bodies, credentials go only
to the declared upstream, and upstream errors map to retry (5xx/429) or failure (4xx)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from dsar.connectors.client import Connector, ConnectorError, UpstreamUnavailable
from dsar.connectors.settings import ConnectorSettings, RecordKind
from dsar.discovery import Discovery
from dsar.identities import Identity
from dsar.settings import parse_dsar_settings
from dsar.subject import SubjectFacts
from proxy.demo.runner import free_port
from proxy.settings import System
from tests.support import serve_in_thread

SUBJECT = "ana.lima@example.org"
PHONE = "+44 20 7946 0958"
# 23 of the subject's tickets among 30: no page size used below divides 23.
TICKETS = [{"id": f"T{n:03d}", "email": SUBJECT if n % 10 < 8 else "bo@example.org",
            "subject": f"ticket {n}"} for n in range(30)]
THEIRS = sorted(t["id"] for t in TICKETS if t["email"] == SUBJECT)
TOKEN = "crm-secret-token"


def create_stand_in_crm(foreign: str = "") -> Starlette:
    """A stand-in CRM API with one route per paging style (page numbers, offset/limit, cursor
    tokens, POST search with a JSON body, HubSpot-like nested ``properties``, next links),
    misbehaving routes, and change endpoints. ``app.state.requests`` records what it got."""
    requests: list[dict[str, Any]] = []

    async def record(request: Request) -> dict[str, Any]:
        raw = await request.body()
        entry = {"method": request.method, "path": request.url.path,
                 "query": dict(request.query_params), "headers": dict(request.headers),
                 "body": await request.json() if raw else None,
                 "path_params": dict(request.path_params)}
        requests.append(entry)
        return entry

    def matching(email: str | None) -> list[dict[str, Any]]:
        return [t for t in TICKETS if t["email"] == email]

    async def paged(request: Request) -> Response:
        seen = await record(request)
        page, size = int(seen["query"]["page"]), int(seen["query"]["per_page"])
        return JSONResponse({"results": matching(seen["query"]["email"])[
            (page - 1) * size: page * size]})

    async def offset(request: Request) -> Response:
        seen = await record(request)
        start, size = int(seen["query"]["offset"]), int(seen["query"]["limit"])
        return JSONResponse({"data": {"items": matching(seen["query"]["email"])[
            start: start + size]}})

    async def cursor(request: Request) -> Response:
        seen = await record(request)
        start, size = int(seen["query"].get("cursor", "0")), int(seen["query"]["limit"])
        found = matching(seen["query"]["email"])
        more = start + size < len(found)
        return JSONResponse({"results": found[start: start + size],
                             "next_cursor": str(start + size) if more else None})

    async def hubspot_search(request: Request) -> Response:
        seen = await record(request)
        body = seen["body"]
        email = body["filterGroups"][0]["filters"][0]["value"]
        start, size = int(body.get("after", "0")), body["limit"]
        found = matching(email)
        page = [{"id": t["id"], "properties": {"email": t["email"], "phone": PHONE,
                                              "subject": t["subject"]}}
                for t in found[start: start + size]]
        paging = {"next": {"after": str(start + size)}} if start + size < len(found) else {}
        return JSONResponse({"results": page, "paging": paging})

    async def linked(request: Request) -> Response:
        seen = await record(request)
        page = int(seen["query"].get("page", "1"))
        found = matching(seen["query"]["email"])
        chunk = found[(page - 1) * 10: page * 10]
        more = page * 10 < len(found)
        next_link = f"tickets?email={seen['query']['email']}&page={page + 1}" if more else None
        return JSONResponse({"results": chunk, "links": {"next": next_link}})

    async def sticky(request: Request) -> Response:  # ignores the page parameter
        await record(request)
        return JSONResponse({"results": matching(SUBJECT)[:10]})

    async def leaking(request: Request) -> Response:  # next link to another host
        await record(request)
        return JSONResponse({"results": matching(SUBJECT)[:10],
                             "next": f"{foreign}/stolen?page=2"})

    async def redirect(request: Request) -> Response:
        await record(request)
        return RedirectResponse(f"{foreign}/stolen", status_code=307)

    async def status(request: Request) -> Response:
        await record(request)
        return JSONResponse({"error": "x"}, status_code=int(request.path_params["code"]))

    async def one(request: Request) -> Response:
        seen = await record(request)
        if request.method == "DELETE":
            gone = seen["path_params"]["id"] in deleted
            deleted.add(seen["path_params"]["id"])
            return Response(status_code=404 if gone else 204)
        return JSONResponse({"id": seen["path_params"]["id"]})

    deleted: set[str] = set()
    app = Starlette(routes=[
        Route("/paged/tickets", paged), Route("/offset/tickets", offset),
        Route("/cursor/tickets", cursor),
        Route("/crm/v3/objects/tickets/search", hubspot_search, methods=["POST"]),
        Route("/linked/tickets", linked), Route("/sticky/tickets", sticky),
        Route("/leaking/tickets", leaking), Route("/redirect/tickets", redirect),
        Route("/status/{code:int}", status, methods=["GET", "POST"]),
        Route("/stolen", status), Route("/crm/v3/objects/tickets/{id:path}", one,
                                        methods=["GET", "PATCH", "PUT", "DELETE"]),
    ])
    app.state.requests = requests
    return app


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, Starlette, Starlette]]:
    """(stand-in CRM URL, its app, the foreign host's app)."""
    foreign_app = create_stand_in_crm()
    with serve_in_thread(foreign_app) as foreign:
        app = create_stand_in_crm(foreign)
        with serve_in_thread(app) as url:
            yield url, app, foreign_app


@pytest.fixture
def crm(servers: tuple[str, Starlette, Starlette]) -> Iterator[tuple[str, Starlette]]:
    url, app, foreign = servers
    yield url, app
    app.state.requests.clear()
    leaked, foreign.state.requests[:] = list(foreign.state.requests), []
    assert leaked == [], "a request reached the foreign host"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as value:
        yield value


def declare(url: str, kind: dict[str, Any], auth: dict[str, Any] | None = None
            ) -> ConnectorSettings:
    connector = {"base_url": url, "records": {"ticket": kind},
                 **({"auth": auth} if auth else {})}
    return parse_dsar_settings({"connectors": {"crm": {"eu": connector}}}).connectors["crm"]["eu"]


def connect(settings: ConnectorSettings, session: aiohttp.ClientSession) -> Connector:
    return Connector.build("crm", "eu", settings, {}, session)


async def search(connector: Connector, value: str = SUBJECT) -> list[str]:
    kind: RecordKind = connector.settings.records["ticket"]
    return [str(item.get("id")) async for item in
            connector.items(kind.search["email"], kind, {"value": value})]


STYLES = {
    "page": ({"search": {"email": {"path": "/paged/tickets", "query": {"email": "{value}"}}},
              "pagination": {"style": "page", "size": 7}}, 5),  # 4 full pages + 1 empty
    "offset": ({"search": {"email": {"path": "/offset/tickets", "query": {"email": "{value}"}}},
                "results": "$.data.items[*]",
                "pagination": {"style": "offset", "size": 5, "size_param": "limit"}}, 6),
    "cursor": ({"search": {"email": {"path": "/cursor/tickets", "query": {"email": "{value}"}}},
                "pagination": {"style": "cursor", "size": 6, "size_param": "limit"}}, 4),
    "post_body_cursor": ({
        "search": {"email": {"method": "POST", "path": "/crm/v3/objects/tickets/search", "body": {
            "filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ",
                                           "value": "{value}"}]}], "limit": 8}}},
        "pagination": {"style": "cursor", "cursor_param": "after", "size_param": None,
                       "cursor_path": "$.paging.next.after", "params_in": "body"}}, 3),
    "next_link": ({"search": {"email": {"path": "/linked/tickets", "query": {"email": "{value}"}}},
                   "pagination": {"style": "next_link", "next_path": "$.links.next"}}, 3),
}


@pytest.mark.parametrize("style", sorted(STYLES))
async def test_every_record_is_found_exactly_once_in_every_paging_style(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession, style: str) -> None:
    url, app = crm
    kind, pages = STYLES[style]
    found = await search(connect(declare(url, kind), session))
    assert sorted(found) == THEIRS and len(found) == len(THEIRS)
    sent = [(r["path"], repr(sorted(r["query"].items())), repr(r["body"]))
            for r in app.state.requests]
    assert len(sent) == pages and len(set(sent)) == pages


async def test_post_search_sends_the_rendered_body_template(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession) -> None:
    url, app = crm
    await search(connect(declare(url, STYLES["post_body_cursor"][0]), session))
    first, second = app.state.requests[:2]
    filters = [{"propertyName": "email", "operator": "EQ", "value": SUBJECT}]
    assert first["method"] == "POST"
    assert first["body"] == {"filterGroups": [{"filters": filters}], "limit": 8}
    assert second["body"] == {"filterGroups": [{"filters": filters}], "limit": 8, "after": "8"}
    assert first["query"] == {} and second["query"] == {}


async def test_discovery_learns_from_hubspot_like_nested_properties(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession) -> None:
    url, _ = crm
    kind = {**STYLES["post_body_cursor"][0],
            "subject_fields": {"phone": "$.properties.phone"}, "links": {"ticket": "$.id"}}
    facts = SubjectFacts.of([Identity("email", SUBJECT)])
    found = await Discovery(connect(declare(url, kind), session)).records(facts)
    assert sorted(record_id for _, record_id in found) == THEIRS
    assert facts.values("phone") == [PHONE]
    assert facts.links["ticket"] == set(THEIRS)


async def test_paging_stops_at_max_pages_and_says_so(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession) -> None:
    url, app = crm
    kind = {**STYLES["page"][0], "pagination": {"style": "page", "size": 5, "max_pages": 2}}
    with pytest.raises(ConnectorError, match="more than 2 pages"):
        await search(connect(declare(url, kind), session))
    assert [r["query"]["page"] for r in app.state.requests] == ["1", "2"]


async def test_an_upstream_that_ignores_the_page_parameter_is_an_error_not_a_loop(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession) -> None:
    url, app = crm
    kind = {"search": {"email": {"path": "/sticky/tickets"}}, "pagination": {"style": "page"}}
    with pytest.raises(ConnectorError, match="same page twice"):
        await search(connect(declare(url, kind), session))
    assert len(app.state.requests) == 2


async def test_a_cursor_the_upstream_does_not_honour_is_an_error_not_a_loop(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession) -> None:
    url, app = crm
    kind = {**STYLES["post_body_cursor"][0]}
    kind["pagination"] = {**kind["pagination"], "params_in": "query"}  # HubSpot ignores it
    with pytest.raises(ConnectorError, match="same page twice"):
        await search(connect(declare(url, kind), session))
    assert len(app.state.requests) == 2


@pytest.mark.parametrize("path", ["/leaking/tickets", "/redirect/tickets"])
@pytest.mark.parametrize("auth", [{"type": "bearer", "token": TOKEN},
                                  {"type": "header", "header": "X-Api-Key", "value": TOKEN}])
async def test_credentials_never_reach_another_host(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession, path: str,
        auth: dict[str, str]) -> None:
    url, app = crm
    kind = {"search": {"email": {"path": path}},
            "pagination": {"style": "next_link", "next_path": "$.next"}}
    with pytest.raises(ConnectorError) as error:
        await search(connect(declare(url, kind, auth), session))
    assert TOKEN not in str(error.value)
    assert len(app.state.requests) == 1  # the `crm` fixture asserts the foreign host got none


@pytest.mark.parametrize("auth, header, expected", [
    ({"type": "bearer", "token": TOKEN}, "authorization", f"Bearer {TOKEN}"),
    ({"type": "basic", "username": "dpo", "password": TOKEN}, "authorization",
     "Basic " + base64.b64encode(f"dpo:{TOKEN}".encode()).decode()),
    ({"type": "header", "header": "X-Api-Key", "value": TOKEN}, "x-api-key", TOKEN),
])
async def test_every_request_carries_the_declared_credentials(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession, auth: dict[str, str],
        header: str, expected: str) -> None:
    url, app = crm
    await search(connect(declare(url, STYLES["cursor"][0], auth), session))
    assert [r["headers"].get(header) for r in app.state.requests] == [expected] * 4


async def test_a_connector_naming_a_gateway_system_uses_its_upstream_and_credentials(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession) -> None:
    url, app = crm
    system = System(prefix="/crm", upstreams={"eu": {"url": url}},
                    auth={"type": "header", "header": "X-Api-Key", "value": TOKEN})
    raw = {"system": "crm", "records": {"ticket": STYLES["cursor"][0]}}
    settings = parse_dsar_settings({"connectors": {"crm": {"eu": raw}}}).connectors["crm"]["eu"]
    found = [i async for i in Connector.build("crm", "eu", settings, {"crm": system}, session)
             .items(settings.records["ticket"].search["email"], settings.records["ticket"],
                    {"value": SUBJECT})]
    assert len(found) == len(THEIRS)
    assert {r["headers"].get("x-api-key") for r in app.state.requests} == {TOKEN}
    with pytest.raises(ConnectorError, match="no upstream for region 'us'"):
        Connector.build("crm", "us", settings, {"crm": system}, session)


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_anonymization_sends_the_declared_body(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession, method: str) -> None:
    url, app = crm
    erase = {"mode": "anonymize", "request": {
        "method": method, "path": "/crm/v3/objects/tickets/{id}",
        "body": {"properties": {"subject": "[erased]", "content": "[erased on request]",
                                "ticket": "{id}", "priority": "{priority}"}}}}
    kind = declare(url, {"erase": erase}).records["ticket"]
    sent = await connect(declare(url, {"erase": erase}), session).send(
        kind.erase.request, {"id": "T001", "priority": 3, "email": SUBJECT})
    assert sent is True
    [request] = app.state.requests
    assert (request["method"], request["path"]) == (method, "/crm/v3/objects/tickets/T001")
    assert request["body"] == {"properties": {  # a lone placeholder keeps its JSON type
        "subject": "[erased]", "content": "[erased on request]", "ticket": "T001",
        "priority": 3}}


async def test_deleting_twice_reports_the_record_already_gone(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession) -> None:
    url, app = crm
    erase = {"request": {"method": "DELETE", "path": "/crm/v3/objects/tickets/{id}"}}
    settings = declare(url, {"erase": erase})
    connector, template = connect(settings, session), settings.records["ticket"].erase.request
    assert await connector.send(template, {"id": "T002"}) is True
    assert await connector.send(template, {"id": "T002"}) is False
    assert [r["method"] for r in app.state.requests] == ["DELETE", "DELETE"]


async def test_identities_reach_the_upstream_unaltered(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession) -> None:
    url, app = crm
    detail = {"path": "/crm/v3/objects/tickets/{id}", "query": {"phone": "{phone}"}}
    settings = declare(url, {"detail": detail})
    document = await connect(settings, session).fetch(
        settings.records["ticket"].detail, {"id": "a/b c+d", "phone": PHONE})
    [request] = app.state.requests
    assert document == {"id": "a/b c+d"}  # one path segment, not a path traversal
    assert request["path"] == "/crm/v3/objects/tickets/a/b c+d"
    assert request["query"] == {"phone": PHONE}  # "+" is not read back as a space


async def test_a_missing_template_field_fails_before_anything_is_sent(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession) -> None:
    url, app = crm
    erase = {"mode": "anonymize", "request": {"method": "PATCH",
             "path": "/crm/v3/objects/tickets/{id}", "body": {"note": "erased for {ticket_no}"}}}
    settings = declare(url, {"erase": erase})
    with pytest.raises(ConnectorError, match="needs field 'ticket_no'") as error:
        await connect(settings, session).send(settings.records["ticket"].erase.request,
                                              {"id": "T003", "email": SUBJECT})
    assert SUBJECT not in str(error.value)
    assert app.state.requests == []


@pytest.mark.parametrize("code, error", [
    (500, UpstreamUnavailable), (502, UpstreamUnavailable), (503, UpstreamUnavailable),
    (429, UpstreamUnavailable), (400, ConnectorError), (401, ConnectorError),
    (403, ConnectorError), (404, ConnectorError), (422, ConnectorError)])
async def test_upstream_errors_are_retried_or_fail_without_personal_data(
        crm: tuple[str, Starlette], session: aiohttp.ClientSession, code: int,
        error: type[ConnectorError]) -> None:
    url, _ = crm
    kind = {"search": {"email": {"path": f"/status/{code}", "query": {"email": "{value}"}}}}
    with pytest.raises(ConnectorError) as raised:
        await search(connect(declare(url, kind), session))
    assert type(raised.value) is error  # UpstreamUnavailable -> the task is retried later
    assert str(code) in str(raised.value) and SUBJECT not in str(raised.value)


async def test_an_unreachable_upstream_is_retried_later(session: aiohttp.ClientSession) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    kind = {"search": {"email": {"path": "/tickets", "query": {"email": "{value}"}}}}
    with pytest.raises(UpstreamUnavailable) as raised:
        await search(connect(declare(closed, kind), session))
    assert SUBJECT not in str(raised.value)
