"""What an audit entry may hold, and builders for the common kinds.

Rule: entries carry no raw personal data. People the gateway acts *on* appear only as
keyed hashes (``subject_hash``, made by IdentifierHasher); callers (staff, applications)
appear by their authenticated subject id, or as "h:" and its keyed hash when that id itself
looks like personal data (``caller_id``: identity providers that use e-mail addresses as
subjects). ``append`` rejects fields that look like raw contact data or ID numbers (see
``find_raw_values``), so a mistake fails loudly in tests instead of leaking into the chain.

Search columns are read from these conventional field names: ``caller.sub``, ``system``,
``outcome``, ``case_id``, ``subject_hash``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from proxy.caller import Caller

_EMAIL = re.compile(r'[^\s@/"]+@[^\s@/"]+\.[a-z]{2,}', re.IGNORECASE)
# Phone, card, national ID: 10+ digits, not glued to ASCII letters or digits (so runs inside
# hex identifiers rarely qualify; those that do are checked against _OWN_ID).
_NUMBER = re.compile(r"(?<![0-9A-Za-z])\+?\d[\d ()-]{8,}[\dXx](?![0-9A-Za-z])")
_NUMBER_HINT = re.compile(r"\d[\d ()-]{8,}")  # first look at non-ASCII text
# Identifiers the gateway makes itself (UUIDs, hashes, revisions) are long hex runs.
_OWN_ID = re.compile(r"(?<![0-9a-f-])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                     r"[0-9a-f]{12}|[0-9a-f]{32,})", re.IGNORECASE)
_BAD_HASH = re.compile(r'"(?:\w*_hash|sha256)":(?!"[0-9a-f]{64}")')
# Every _BAD_HASH match ends with one of these (literal starts: several times faster).
_BAD_HASH_END = re.compile(r'_hash":(?!"[0-9a-f]{64}")')
_BAD_SHA256 = re.compile(r'"sha256":(?!"[0-9a-f]{64}")')
# Characters a _NUMBER match is made of (but a final X): b"1", everything else b"0".
_NUMBER_CHARS = bytes(ord("1" if chr(i) in "0123456789 ()+-" else "0") for i in range(256))
_TEN = b"1" * 10
HASHED_CALLER = "h:"  # caller.sub of a caller whose id looks like personal data


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
    ``sha256`` field that is not 64 hex digits? Cheap first looks (literal-start regexes, a
    byte translation) keep the request path at a microsecond or two for clean entries."""
    return _has_email(text) or _has_bad_hash(text) or _has_raw_number(text)


def _has_email(text: str) -> bool:
    return "@" in text and _EMAIL.search(text) is not None


def _has_bad_hash(text: str) -> bool:
    return bool((_BAD_HASH_END.search(text) or _BAD_SHA256.search(text))
                and _BAD_HASH.search(text))


def _has_raw_number(text: str) -> bool:
    own: list[tuple[int, int]] | None = None
    for low, high in _number_windows(text):
        for match in _NUMBER.finditer(text, low, high):
            if text[match.start() - 1] in ":,[" or sum(c.isdigit() for c in match.group()) < 10:
                continue  # a JSON integer (counts, positions), or a date
            if own is None:
                own = [found.span() for found in _OWN_ID.finditer(text)]
            if not any(start <= match.start() and match.end() <= end for start, end in own):
                return True
    return False


def _number_windows(text: str) -> Iterator[tuple[int, int]]:
    """Where _NUMBER can match something with 10+ digits: in ASCII text, each run of 10+
    characters from "0-9 ()+-" (the run, plus the two characters a match may still end on
    or look at) but plain digits glued to a letter or digit (inside a hex id), where no
    match can start; otherwise the whole text, if it has a hint of a number at all.
    Lookbehind sees the text before a window, so matching inside windows finds what a full
    scan finds."""
    if not text.isascii():
        if _NUMBER_HINT.search(text):
            yield 0, len(text)
        return
    runs = text.encode("ascii").translate(_NUMBER_CHARS)
    at = runs.find(_TEN)
    while at >= 0:
        end = runs.find(b"0", at)
        if end < 0:
            end = len(runs)
        if not (at > 0 and text[at - 1].isalnum() and text[at:end].isdigit()):
            yield at, min(end + 2, len(runs))
        at = runs.find(_TEN, end)


def find_raw_values(fields: Mapping[str, Any]) -> list[str]:
    """Names of the fields ``suspicious`` objects to (for the error message)."""
    return [key or "(key)" for key, text in _strings(fields) if looks_raw(key, text)]


def looks_raw(key: str, value: str) -> bool:
    """Does ``suspicious`` object to this one field on its own?"""
    return suspicious(json.dumps({key: value}, ensure_ascii=False))


def caller_id(sub: str, hash_identifier: Callable[[str], str]) -> str:
    """How a caller appears in entries (``caller.sub``) and is searched for: by its subject
    id, or by "h:" and its keyed hash when the id itself looks like personal data (an
    identity provider that uses e-mail addresses or phone numbers as subjects)."""
    return f"{HASHED_CALLER}{hash_identifier(sub)}" if looks_raw("sub", sub) else sub


def with_hashed_caller(fields: Mapping[str, Any],
                       hash_identifier: Callable[[str], str]) -> dict[str, Any] | None:
    """A copy of ``fields`` whose ``caller.sub`` is ``caller_id``'s hash, or None when the
    caller sub does not look like personal data."""
    caller = fields.get("caller")
    sub = caller.get("sub") if isinstance(caller, Mapping) else None
    if not isinstance(sub, str) or (hidden := caller_id(sub, hash_identifier)) == sub:
        return None
    return {**fields, "caller": {**caller, "sub": hidden}}


SEARCH_COLUMNS = ("caller_sub", "subject_hash", "system", "outcome", "case_id")


def search_columns(fields: Mapping[str, Any]) -> tuple[str | None, ...]:
    """Values of SEARCH_COLUMNS, in that order."""
    caller = fields.get("caller")  # a dict if anything (canonical JSON has no other mapping)
    return (_text(caller.get("sub")) if isinstance(caller, dict) else None,
            _text(fields.get("subject_hash")), _text(fields.get("system")),
            _text(fields.get("outcome")), _text(fields.get("case_id")))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
