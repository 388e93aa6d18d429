"""How the DSAR service finds, fetches, erases and redacts one subject's data in one system and
region, declared in configuration (``dsar.connectors.<system>.<region>``), with no code per CRM.

Templates: ``path``, ``query`` values and string leaves of ``body`` may hold ``{name}``
placeholders: ``{value}`` (the identity or link value searched for), ``{id}`` and any top-level
field of the record or search hit being acted on (``{ticket_id}``). A body string that is
exactly one placeholder keeps the value's JSON type. JSON paths use JSONPath (``$.results[*]``).
"""

from __future__ import annotations

import re
import string
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from dsar.connectors.jsonpath import compiled
from dsar.identities import IdentityKind
from proxy.settings import Upstream, UpstreamAuth, _Model

_PLACEHOLDER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def placeholders(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def _json_path(expression: str) -> str:
    compiled(expression)  # raises JsonPathError, a ValueError pydantic reports with the field
    return expression


def _check_template_text(text: str) -> str:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise ValueError(f"{text!r}: unbalanced braces (write {{{{ and }}}} for literal ones)") \
            from None
    for _, name, spec, conversion in parsed:
        if name is not None and (not _PLACEHOLDER_NAME.match(name) or spec or conversion):
            raise ValueError(f"{text!r}: placeholder {{{name}}} must be a plain field name")
    return text


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


JsonPath = Annotated[str, AfterValidator(_json_path)]


class RequestTemplate(_Model):
    """One HTTP request relative to the connector's base URL."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    path: str
    query: dict[str, str] = {}
    body: Any = None

    @model_validator(mode="after")
    def _templates(self) -> RequestTemplate:
        for text in [self.path, *self.query.values(), *_strings(self.body)]:
            _check_template_text(text)
        if not self.path.startswith("/"):
            raise ValueError("path must start with /")
        if self.method == "GET" and self.body is not None:
            raise ValueError("a GET request takes no body")
        return self


class Pagination(_Model):
    """``page``: page number parameter; ``offset``: item offset; ``cursor``: the response holds
    the next cursor at ``cursor_path``; ``next_link``: the response holds the next page's URL at
    ``next_path``. Paging stops at an empty page, a missing cursor/link or ``max_pages``.
    ``params_in: body`` puts the page, offset, size and cursor in the JSON body of a POST
    search (HubSpot's ``after``) instead of the query string."""

    style: Literal["none", "page", "offset", "cursor", "next_link"] = "none"
    page_param: str = "page"
    offset_param: str = "offset"
    size_param: str | None = "per_page"
    size: int = Field(default=100, gt=0, le=10_000)
    cursor_param: str = "cursor"
    cursor_path: JsonPath = "$.next_cursor"
    next_path: JsonPath = "$.next"
    max_pages: int = Field(default=10_000, gt=0)
    params_in: Literal["query", "body"] = "query"


class Listing(_Model):
    """Where the items are in a response, their id, and how to get more pages."""

    results: JsonPath = "$.results[*]"
    id: JsonPath = "$.id"
    pagination: Pagination = Pagination()

    def _paged_by_body(self, templates: list[RequestTemplate]) -> None:
        if self.pagination.params_in == "body" and any(
                not isinstance(t.body, dict) for t in templates):
            raise ValueError("pagination.params_in body needs a JSON object body in every "
                             "search request")


class Detail(RequestTemplate):
    """Fetch one record; ``select`` picks it out of a larger document (e.g. one comment inside
    its ticket: ``select: $.comments[*]`` matched on the id)."""

    select: JsonPath | None = None


class Erase(_Model):
    """``delete`` removes the record; ``anonymize`` overwrites it with ``request.body``."""

    mode: Literal["delete", "anonymize"] = "delete"
    request: RequestTemplate

    @model_validator(mode="after")
    def _consistent(self) -> Erase:
        if self.mode == "delete" and self.request.method != "DELETE":
            raise ValueError("mode delete needs method DELETE")
        if self.mode == "anonymize" and (self.request.method not in ("PATCH", "PUT")
                                         or not isinstance(self.request.body, dict)):
            raise ValueError("mode anonymize needs method PATCH or PUT and a body template")
        return self


class LegalHold(_Model):
    """Keep matching records on erasure (GDPR Art. 17(3), PIPL Art. 47, CCPA 1798.105(d)).
    ``when`` maps a JSON path in the record to the values that put it on hold; empty = all."""

    reason: str
    basis: str = "GDPR Art. 17(3)"
    when: dict[JsonPath, list[Any]] = {}


class RecordKind(Listing):
    """One kind of record the subject owns (contact, ticket, call …)."""

    # identity kind -> search request ({value} is the identity, normalized when `normalized`)
    search: dict[IdentityKind, RequestTemplate] = {}
    # link name -> search by a value other records expose (see ``links``), e.g. contact_id
    search_linked: dict[str, RequestTemplate] = {}
    # link name -> JSON path in this kind's records, e.g. {"contact_id": "$.id"}
    links: dict[str, JsonPath] = {}
    # identity kind -> JSON path of the subject's own identifiers in these records
    subject_fields: dict[IdentityKind, JsonPath] = {}
    # fields naming a person (agent, author): masked in exports unless they name the subject
    people_fields: list[str] = []
    # free-text fields where mentions of the subject are redacted after erasure
    text_fields: list[str] = []
    detail: Detail | None = None
    update: RequestTemplate | None = None
    erase: Erase | None = None
    legal_hold: LegalHold | None = None

    @field_validator("update")
    @classmethod
    def _update_method(cls, value: RequestTemplate | None) -> RequestTemplate | None:
        if value is not None and value.method not in ("PATCH", "PUT", "POST"):
            raise ValueError("update needs method PATCH, PUT or POST")
        return value

    @model_validator(mode="after")
    def _searches(self) -> RecordKind:
        self._paged_by_body([*self.search.values(), *self.search_linked.values()])
        return self


class Mentions(Listing):
    """Free-text search used to find *mentions* of the subject in other people's records.

    ``kind`` is the JSON path of a hit's record kind (or a fixed kind name when it does not
    start with ``$``); ``parents`` maps a hit kind to ``[parent kind, JSON path of parent id]``
    so a comment inside the subject's own ticket counts as theirs, not as a mention."""

    request: RequestTemplate
    identities: list[IdentityKind] = ["email", "phone", "national_id", "name"]
    kind: str = "$.type"
    parents: dict[str, tuple[str, JsonPath]] = {}

    @model_validator(mode="after")
    def _searches(self) -> Mentions:
        if self.kind.startswith("$"):
            _json_path(self.kind)
        self._paged_by_body([self.request])
        return self


class ConnectorSettings(_Model):
    """One system in one region. Base URL and credentials come from the gateway system named
    by ``system`` (its upstream for this region) unless ``base_url`` is given."""

    system: str | None = None
    base_url: str | None = None
    auth: UpstreamAuth | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    concurrency: int = Field(default=8, ge=1, le=64)
    records: dict[str, RecordKind]
    mentions: Mentions | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ConnectorSettings:
        if (self.system is None) == (self.base_url is None):
            raise ValueError("give exactly one of system (a gateway system) or base_url")
        if self.base_url is not None:
            Upstream(url=self.base_url)  # same URL rules as gateway upstreams
        if not self.records:
            raise ValueError("declare at least one record kind")
        if self.mentions:
            for hit_kind, (parent, _) in self.mentions.parents.items():
                if parent not in self.records:
                    raise ValueError(f"mentions.parents.{hit_kind}: no record kind {parent!r}")
        return self
