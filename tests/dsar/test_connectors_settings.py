"""An invalid connector declaration fails when the configuration loads, with the path of the
offending field, instead of failing (or silently misbehaving) in the middle of a DSAR."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dsar.settings import parse_dsar_settings
from proxy.settings import ConfigError

WHERE = "dsar.connectors.crm.eu"
VALID: dict[str, Any] = {"base_url": "https://crm.example.com", "records": {"ticket": {
    "search": {"email": {"path": "/tickets", "query": {"email": "{value}"}}},
    "pagination": {"style": "cursor"},
    "erase": {"mode": "delete", "request": {"method": "DELETE", "path": "/tickets/{id}"}}}}}


def load(connector: dict[str, Any]) -> None:
    parse_dsar_settings({"connectors": {"crm": {"eu": connector}}})


def changed(path: str, value: Any) -> dict[str, Any]:
    connector = copy.deepcopy(VALID)
    *parents, leaf = path.split(".")
    node = connector
    for name in parents:
        node = node[name]
    node[leaf] = value
    return connector


def test_the_valid_declaration_loads() -> None:
    load(VALID)


@pytest.mark.parametrize("path, value, message", [
    ("records.ticket.erase", {"mode": "anonymize", "request": {
        "method": "DELETE", "path": "/tickets/{id}"}},
     f"{WHERE}.records.ticket.erase: mode anonymize needs method PATCH or PUT and a body"),
    ("records.ticket.erase", {"mode": "delete", "request": {
        "method": "PATCH", "path": "/tickets/{id}", "body": {"name": "x"}}},
     f"{WHERE}.records.ticket.erase: mode delete needs method DELETE"),
    ("records.ticket.results", "$.results[", f"{WHERE}.records.ticket.results: '$.results['"),
    ("records.ticket.subject_fields", {"email": "$..["},
     f"{WHERE}.records.ticket.subject_fields.email: '$..[' is not a JSON path"),
    ("records.ticket.pagination", {"style": "cursor", "cursor_path": "paging["},
     f"{WHERE}.records.ticket.pagination.cursor_path: 'paging[' is not a JSON path"),
    ("records.ticket.search", {"email": {"path": "/tickets/{value"}},
     f"{WHERE}.records.ticket.search.email: '/tickets/{{value': unbalanced braces"),
    ("records.ticket.search", {"email": {"path": "/t", "query": {"q": "{value!r}"}}},
     f"{WHERE}.records.ticket.search.email: '{{value!r}}': placeholder {{value}} must be"),
    ("records.ticket.search", {"email": {"path": "/t", "query": {"q": "{0}"}}},
     "placeholder {0} must be a plain field name"),
    ("records.ticket.search", {"email": {"path": "tickets"}},
     f"{WHERE}.records.ticket.search.email: path must start with /"),
    ("records.ticket.search", {"email": {"path": "/t", "body": {"q": "{value}"}}},
     f"{WHERE}.records.ticket.search.email: a GET request takes no body"),
    ("records.ticket.search", {"fax": {"path": "/t"}}, f"{WHERE}.records.ticket.search.fax"),
    ("records.ticket.pagination", {"style": "cursor", "params_in": "body"},
     f"{WHERE}.records.ticket: pagination.params_in body needs a JSON object body"),
    ("records.ticket.pagination", {"style": "pages"},
     f"{WHERE}.records.ticket.pagination.style: Input should be"),
    ("records.ticket.pagination", {"style": "page", "max_pages": 0},
     f"{WHERE}.records.ticket.pagination.max_pages: Input should be greater than 0"),
    ("records.ticket.result", "$.items[*]",
     f"{WHERE}.records.ticket.result: Extra inputs are not permitted"),
    ("records.ticket.update", {"method": "DELETE", "path": "/tickets/{id}"},
     f"{WHERE}.records.ticket.update: update needs method PATCH, PUT or POST"),
    ("auth", {"type": "bearer"}, f"{WHERE}.auth: auth type 'bearer' needs token"),
    ("auth", {"type": "header", "header": "X-Api-Key"},
     f"{WHERE}.auth: auth type 'header' needs value"),
    ("system", "crm", f"{WHERE}: give exactly one of system (a gateway system) or base_url"),
    ("base_url", "crm.example.com", "not a URL"),
    ("records", {}, f"{WHERE}: declare at least one record kind"),
    ("mentions", {"request": {"path": "/search"}, "kind": "$.[", "parents": {}},
     f"{WHERE}.mentions: '$.[' is not a JSON path"),
    ("mentions", {"request": {"path": "/search"}, "parents": {"comment": ["call", "$.t"]}},
     f"{WHERE}: mentions.parents.comment: no record kind 'call'"),
])
def test_an_invalid_declaration_is_refused_naming_the_field(
        path: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(changed(path, value))
    assert message in str(error.value)
