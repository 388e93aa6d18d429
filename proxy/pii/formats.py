"""Body formats read as documents besides JSON and plain text: CSV and NDJSON
(``tabular``), XML (``xml_body``). The masker masks their documents like JSON; the gateway
scans written ones for whose data they carry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from proxy.pii.tabular import CSV_TYPES, NDJSON_TYPES, CsvBody, NdjsonBody
from proxy.pii.xml_body import XmlBody, is_xml


class Documents(Protocol):
    documents: list[Any]

    def render(self, documents: Sequence[Any]) -> bytes:
        """The body again, from the (masked) documents."""


def readable(media: str) -> bool:
    return media in NDJSON_TYPES or media in CSV_TYPES or is_xml(media)


def parse(media: str, content_type: str, body: bytes) -> Documents | None:
    """The body's documents when ``media`` is one of these formats, else None
    (``MaskingError`` when the body is not what its type says)."""
    params = _parameters(content_type)
    if media in NDJSON_TYPES:
        return NdjsonBody.parse(body)
    if media in CSV_TYPES:
        return CsvBody.parse(body, params.get("charset", "utf-8"),
                             header=params.get("header", "present").lower() != "absent")
    if is_xml(media):
        return XmlBody.parse(body, params.get("charset"))
    return None


def _parameters(content_type: str) -> dict[str, str]:
    """A media type's parameters (``charset``, ``header``), names lowercased."""
    params = {}
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return params
