"""Runs connector declarations against one system's upstream in one region with aiohttp.

Errors never carry personal data: they name the system, region, method, path template and
status, not the rendered URL (which may hold an e-mail address in its query).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import aiohttp

from dsar.connectors.jsonpath import first, values
from dsar.connectors.settings import (
    ConnectorSettings,
    Listing,
    Pagination,
    RequestTemplate,
    placeholders,
)
from proxy.settings import System, UpstreamAuth

Fields = Mapping[str, Any]
_RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class ConnectorError(Exception):
    """The upstream answered in a way the declaration does not allow for (not retried)."""


class UpstreamUnavailable(ConnectorError):
    """A network failure, timeout or 5xx/429 answer: worth retrying later."""


def render_text(text: str, fields: Fields, *, quoted: bool = False) -> str:
    rendered = {}
    for name in placeholders(text):
        if name not in fields or fields[name] is None:
            raise ConnectorError(f"template {text!r} needs field {name!r}")
        value = str(fields[name])
        rendered[name] = quote(value, safe="") if quoted else value
    return text.format_map(rendered)


def render_body(node: Any, fields: Fields) -> Any:
    if isinstance(node, str):
        names = placeholders(node)
        if len(names) == 1 and node == "{" + names[0] + "}":
            if names[0] not in fields:
                raise ConnectorError(f"template {node!r} needs field {names[0]!r}")
            return fields[names[0]]
        return render_text(node, fields)
    if isinstance(node, dict):
        return {key: render_body(value, fields) for key, value in node.items()}
    if isinstance(node, list):
        return [render_body(value, fields) for value in node]
    return node


def auth_headers(auth: UpstreamAuth | None) -> dict[str, str]:
    if auth is None or auth.type == "none":
        return {}
    if auth.type == "bearer":
        return {"Authorization": f"Bearer {auth.token}"}
    if auth.type == "basic":
        pair = f"{auth.username}:{auth.password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    return {auth.header or "": auth.value or ""}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:  # a port that is not a number
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _position(paging: Pagination, page: int) -> dict[str, Any]:
    """Page-number, offset and size parameters for the 0-based ``page``."""
    position: dict[str, Any] = {}
    if paging.style == "page":
        position[paging.page_param] = page + 1
    elif paging.style == "offset":
        position[paging.offset_param] = page * paging.size
    if paging.size_param and paging.style in ("page", "offset", "cursor"):
        position[paging.size_param] = paging.size
    return position


def _place(paging: Pagination, query: dict[str, str], body: Any, position: dict[str, Any]
           ) -> tuple[dict[str, str], Any]:
    """Paging parameters go in the query string, or in the JSON body (keeping their types)."""
    if paging.params_in == "body":
        return query, {**(body or {}), **position}
    return {**query, **{k: str(v) for k, v in position.items()}}, body


class Connector:
    """One system × region: ``items`` (paged search), ``fetch`` (one document) and ``send``
    (a change), all with the connector's base URL and credentials."""

    def __init__(self, system: str, region: str, settings: ConnectorSettings, base_url: str,
                 auth: UpstreamAuth | None, session: aiohttp.ClientSession) -> None:
        self.system = system
        self.region = region
        self.settings = settings
        self.base_url = base_url.rstrip("/")
        self._headers = {"Accept": "application/json", **auth_headers(auth)}
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=settings.timeout_seconds)
        self._origin = _origin(self.base_url)
        self.limit = asyncio.Semaphore(settings.concurrency)

    @classmethod
    def build(cls, system: str, region: str, settings: ConnectorSettings,
              gateway_systems: Mapping[str, System], session: aiohttp.ClientSession
              ) -> Connector:
        if settings.base_url is not None:
            return cls(system, region, settings, settings.base_url, settings.auth, session)
        gateway = gateway_systems.get(settings.system or "")
        if gateway is None or region not in gateway.upstreams:
            raise ConnectorError(f"connector {system}/{region}: gateway system "
                                 f"{settings.system!r} has no upstream for region {region!r}")
        upstream = gateway.upstreams[region]
        auth = settings.auth or upstream.auth or gateway.auth
        return cls(system, region, settings, upstream.url, auth, session)

    async def items(self, template: RequestTemplate, listing: Listing,
                    fields: Fields) -> AsyncIterator[Any]:
        """Every item a (paged) list request returns. An upstream that sends the same page
        twice (a repeated cursor or link, or a page parameter it ignores) is an error, not an
        endless loop or a search that silently misses records."""
        paging = listing.pagination
        url, query, body = self._render(template, fields)
        position: dict[str, Any] = {}
        requested: set[str] = set()
        previous: list[Any] | None = None
        for page in range(paging.max_pages):
            position |= _position(paging, page)
            page_query, page_body = _place(paging, query, body, position)
            request = json.dumps([url, page_query, page_body], sort_keys=True, default=str)
            if request in requested:
                raise self._repeated(template)
            requested.add(request)
            document = await self._call(template, url, page_query, body=page_body)
            found = values(document, listing.results)
            if found and found == previous:
                raise self._repeated(template)
            previous = found
            for item in found:
                yield item
            if not found or paging.style == "none":
                return
            if paging.style == "cursor":
                cursor = first(document, paging.cursor_path)
                if cursor is None or cursor == "":
                    return
                position[paging.cursor_param] = cursor
            elif paging.style == "next_link":
                link = first(document, paging.next_path)
                if not link:
                    return
                url, query = self._same_origin(urljoin(url, str(link))), {}
        raise ConnectorError(f"{self._where(template)}: more than {paging.max_pages} pages")

    def _same_origin(self, link: str) -> str:
        if _origin(link) != self._origin:
            raise ConnectorError(f"{self.system}/{self.region}: next link leaves the "
                                 "upstream's origin; refusing to send credentials there")
        return link

    def _repeated(self, template: RequestTemplate) -> ConnectorError:
        return ConnectorError(f"{self._where(template)}: the upstream sent the same page "
                              "twice; check the pagination declaration")

    def _render(self, template: RequestTemplate, fields: Fields
                ) -> tuple[str, dict[str, str], Any]:
        url = self.base_url + render_text(template.path, fields, quoted=True)
        query = {k: render_text(v, fields) for k, v in template.query.items()}
        body = None if template.body is None else render_body(template.body, fields)
        return url, query, body

    async def fetch(self, template: RequestTemplate, fields: Fields) -> Any | None:
        """The response document, or None when the upstream answers 404."""
        url, query, body = self._render(template, fields)
        return await self._call(template, url, query, body=body, missing_ok=True)

    async def send(self, template: RequestTemplate, fields: Fields, body: Any = None) -> bool:
        """Perform a change; False when the record is already gone (404/410)."""
        url, query, declared = self._render(template, fields)
        result = await self._call(template, url, query,
                                  body=declared if body is None else body, missing_ok=True)
        return result is not None

    async def _call(self, template: RequestTemplate, url: str, query: Mapping[str, str], *,
                    body: Any = None, missing_ok: bool = False) -> Any:
        where = self._where(template)
        try:
            # Redirects are not followed: aiohttp keeps custom auth headers across origins.
            async with self.limit, self._session.request(
                    template.method, url, params=query or None, headers=self._headers,
                    json=body, timeout=self._timeout, allow_redirects=False) as response:
                if response.status in (404, 410) and missing_ok:
                    return None
                if response.status in _RETRYABLE:
                    raise UpstreamUnavailable(f"{where}: upstream answered {response.status}")
                if response.status >= 300:
                    raise ConnectorError(f"{where}: upstream answered {response.status}")
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UpstreamUnavailable(f"{where}: {type(exc).__name__}") from None
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise ConnectorError(f"{where}: response is not JSON") from None

    def _where(self, template: RequestTemplate) -> str:
        return f"{self.system}/{self.region} {template.method} {template.path}"
