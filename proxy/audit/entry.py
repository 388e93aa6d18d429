"""What an audit entry may hold, and builders for the common kinds.

Rule: entries carry no raw personal data. People the gateway acts *on* appear only as
keyed hashes (``subject_hash``, made by IdentifierHasher); callers (staff, applications)
appear by their authenticated subject id. ``append`` rejects fields that look like raw
contact data or ID numbers (see ``find_raw_values``), so a mistake fails loudly in tests
instead of leaking into the chain.

Search columns are read from these conventional field names: ``caller.sub``, ``system``,
``outcome``, ``case_id``, ``subject_hash``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from proxy.caller import Caller

_EMAIL = re.compile(r'[^\s@/"]+@[^\s@/"]+\.[a-z]{2,}', re.IGNORECASE)
# Phone, card, national ID: 10+ digits, not glued to ASCII letters or digits (so runs inside
# hex identifiers rarely qualify; those that do are checked against _OWN_ID).
_NUMBER = re.compile(r"(?<![0-9A-Za-z])\+?\d[\d ()-]{8,}[\dXx](?![0-9A-Za-z])")
_NUMBER_HINT = re.compile(r"\d[\d ()-]{8,}")  # cheap first look (several times faster)
# Identifiers the gateway makes itself (UUIDs, hashes, revisions) are long hex runs.
_OWN_ID = re.compile(r"(?<![0-9a-f-])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                     r"[0-9a-f]{12}|[0-9a-f]{32,})", re.IGNORECASE)
_BAD_HASH = re.compile(r'"(?:\w*_hash|sha256)":(?!"[0-9a-f]{64}")')


class RawValueError(ValueError):
    """Fields for an audit entry contain what looks like raw personal data."""


def category_of(kind: str) -> str:
    return kind.split(".", 1)[0]


def decision_entry(decision_id: str, caller: Caller, system: str, method: str,
                   path_template: str, subject_region: str | None, route: str | None,
                   policy_revision: str, outcome: str, masked_counts: Mapping[str, int],
                   subject_hash: str | None = None) -> dict[str, Any]:
    """Fields of a "decision" entry. ``path_template`` is the route pattern
    ("/contacts/{id}"), never the concrete path; ``masked_counts`` maps entity type to count."""
    fields: dict[str, Any] = {
        "decision_id": decision_id, "caller": caller.as_input(), "system": system,
        "method": method, "path_template": path_template, "subject_region": subject_region,
        "route": route, "policy_revision": policy_revision, "outcome": outcome,
        "masked": {entity: int(count) for entity, count in masked_counts.items()},
    }
    if subject_hash is not None:
        fields["subject_hash"] = subject_hash
    return fields


class IdentifierHasher:
    """Keyed HMAC-SHA256 of a data subject's identifier (id, e-mail, phone ...): the same
    person gets the same hash, so entries are searchable without storing the identifier."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def hash(self, identifier: str) -> str:
        normal = unicodedata.normalize("NFKC", identifier).strip().casefold()
        return hmac.new(self._key, normal.encode("utf-8"), hashlib.sha256).hexdigest()


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, Mapping):
        for child_key, child in value.items():
            yield from _strings(child_key, "")  # keys are data too
            yield from _strings(child, str(child_key))
    elif isinstance(value, list | tuple):
        for child in value:
            yield from _strings(child, key)


def suspicious(text: str) -> bool:
    """Does this canonical JSON text hold what looks like raw personal data: an e-mail
    address, a number of 10+ digits inside a string (phone, card, ID), or a ``*_hash`` /
    ``sha256`` field that is not 64 hex digits? One pass over the text, so the request path
    pays microseconds."""
    if ("@" in text and _EMAIL.search(text)) or (
            ('_hash":' in text or '"sha256":' in text) and _BAD_HASH.search(text)):
        return True
    if not _NUMBER_HINT.search(text):
        return False
    own: list[tuple[int, int]] | None = None
    for match in _NUMBER.finditer(text):
        if text[match.start() - 1] in ":,[" or sum(c.isdigit() for c in match.group()) < 10:
            continue  # a JSON integer (counts, positions), or a date
        if own is None:
            own = [found.span() for found in _OWN_ID.finditer(text)]
        if not any(start <= match.start() and match.end() <= end for start, end in own):
            return True
    return False


def find_raw_values(fields: Mapping[str, Any]) -> list[str]:
    """Names of the fields ``suspicious`` objects to (for the error message)."""
    return [key or "(key)" for key, text in _strings(fields)
            if suspicious(json.dumps({key: text}, ensure_ascii=False))]


SEARCH_COLUMNS = ("caller_sub", "subject_hash", "system", "outcome", "case_id")


def search_columns(fields: Mapping[str, Any]) -> tuple[str | None, ...]:
    """Values of SEARCH_COLUMNS, in that order."""
    caller = fields.get("caller")
    return (_text(caller.get("sub")) if isinstance(caller, Mapping) else None,
            _text(fields.get("subject_hash")), _text(fields.get("system")),
            _text(fields.get("outcome")), _text(fields.get("case_id")))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
