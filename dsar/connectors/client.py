"""Runs connector declarations against one system's upstream in one region with aiohttp.

Errors never carry personal data: they name the system, region, method, path template and
status, not the rendered URL (which may hold an e-mail address in its query).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from dsar.connectors.jsonpath import first, values
from dsar.connectors.settings import ConnectorSettings, Listing, RequestTemplate, placeholders
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
        return {"Authorization": aiohttp.BasicAuth(auth.username or "",
                                                   auth.password or "").encode()}
    return {auth.header or "": auth.value or ""}


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
        self._origin = urlsplit(self.base_url)[:2]
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
        """Every item a (paged) list request returns."""
        paging = listing.pagination
        query = {k: render_text(v, fields) for k, v in template.query.items()}
        url: str | None = self.base_url + render_text(template.path, fields, quoted=True)
        for page in range(paging.max_pages):
            if paging.style == "page":
                query[paging.page_param] = str(page + 1)
            elif paging.style == "offset":
                query[paging.offset_param] = str(page * paging.size)
            if paging.size_param and paging.style in ("page", "offset", "cursor"):
                query[paging.size_param] = str(paging.size)
            document = await self._call(template, url or "", query, fields)
            found = values(document, listing.results)
            for item in found:
                yield item
            if not found or paging.style == "none":
                return
            url, query = self._next(document, listing, url or "", query)
            if url is None:
                return
        raise ConnectorError(f"{self._where(template)}: more than {paging.max_pages} pages")

    def _next(self, document: Any, listing: Listing, url: str, query: dict[str, str]
              ) -> tuple[str | None, dict[str, str]]:
        paging = listing.pagination
        if paging.style == "cursor":
            cursor = first(document, paging.cursor_path)
            return (url, {**query, paging.cursor_param: str(cursor)}) if cursor else (None, query)
        if paging.style == "next_link":
            link = first(document, paging.next_path)
            if not link:
                return None, query
            link = str(link)
            if link.startswith("/"):
                link = f"{self._origin[0]}://{self._origin[1]}{link}"
            if urlsplit(link)[:2] != self._origin:
                raise ConnectorError(f"{self.system}/{self.region}: next link leaves the "
                                     "upstream's origin; refusing to send credentials there")
            return link, {}
        return url, query

    async def fetch(self, template: RequestTemplate, fields: Fields) -> Any | None:
        """The response document, or None when the upstream answers 404."""
        url = self.base_url + render_text(template.path, fields, quoted=True)
        query = {k: render_text(v, fields) for k, v in template.query.items()}
        return await self._call(template, url, query, fields, missing_ok=True)

    async def send(self, template: RequestTemplate, fields: Fields, body: Any = None) -> bool:
        """Perform a change; False when the record is already gone (404/410)."""
        url = self.base_url + render_text(template.path, fields, quoted=True)
        query = {k: render_text(v, fields) for k, v in template.query.items()}
        if body is None and template.body is not None:
            body = render_body(template.body, fields)
        result = await self._call(template, url, query, fields, body=body, missing_ok=True)
        return result is not None

    async def _call(self, template: RequestTemplate, url: str, query: Mapping[str, str],
                    fields: Fields, *, body: Any = None, missing_ok: bool = False) -> Any:
        if body is None and template.body is not None and template.method == "POST":
            body = render_body(template.body, fields)
        where = self._where(template)
        try:
            async with self.limit, self._session.request(
                    template.method, url, params=query or None, headers=self._headers,
                    json=body, timeout=self._timeout) as response:
                if response.status in (404, 410) and missing_ok:
                    return None
                if response.status in _RETRYABLE:
                    raise UpstreamUnavailable(f"{where}: upstream answered {response.status}")
                if response.status >= 400:
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
