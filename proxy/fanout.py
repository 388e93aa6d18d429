"""Merging the answers of a read fanned out to several regions.

List pages merge: a JSON array, or an object whose list field (results, items, data,
records) holds the page, is concatenated in region order and counts are summed. Anything
else (a single record) comes from the first region, in policy order, that found it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_LIST_KEYS = ("results", "items", "data", "records")
_COUNT_KEYS = ("total", "count")


@dataclass(frozen=True, slots=True)
class RegionAnswer:
    region: str
    status: int
    document: Any  # parsed (and masked) JSON, or None


def merge(answers: list[RegionAnswer]) -> tuple[int, Any, list[str]]:
    """(status, document, regions that contributed)."""
    found = [a for a in answers if 200 <= a.status < 300 and a.document is not None]
    if not found:
        first = answers[0]
        return first.status, first.document, []
    documents = [a.document for a in found]
    regions = [a.region for a in found]
    if all(isinstance(d, list) for d in documents):
        return 200, [item for d in documents for item in d], regions
    key = _list_key(documents)
    if key is None:
        return found[0].status, found[0].document, regions[:1]
    merged = dict(documents[0])
    merged[key] = [item for d in documents for item in d[key]]
    for count in _COUNT_KEYS:
        if all(isinstance(d.get(count), int) for d in documents):
            merged[count] = sum(d[count] for d in documents)
    if "next" in merged:
        merged["next"] = None  # per-region cursors cannot be combined into one
    return 200, merged, regions


def _list_key(documents: list[Any]) -> str | None:
    if not all(isinstance(d, dict) for d in documents):
        return None
    for key in _LIST_KEYS:
        if all(isinstance(d.get(key), list) for d in documents):
            return key
    return None
