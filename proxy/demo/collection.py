"""An in-memory table of JSON records keyed by integer id, with cached encodings.

The sample upstream serves the same records many times between changes, so each record's
JSON bytes, its search text and any lookup index are computed once and dropped only when a
record changes. Change records only through these methods so the caches stay true.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

Record = dict[str, Any]


def encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class Collection:
    def __init__(self, records: Iterable[Record] = ()) -> None:
        self._records: dict[int, Record] = {record["id"]: record for record in records}
        self._next_id = max(self._records, default=0) + 1
        self._encoded: dict[int, bytes] = {}
        self._text: dict[int, str] = {}
        self._indexes: dict[str, dict[str, list[int]]] = {}
        self._ids: list[int] | None = None
        self.version = 0  # bumped on every change, so callers can cache derived answers

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._records.values())

    def get(self, record_id: int) -> Record | None:
        return self._records.get(record_id)

    def ids(self) -> list[int]:
        """All ids, ascending (new ids only ever grow, and dicts keep insertion order)."""
        if self._ids is None:
            self._ids = list(self._records)
        return self._ids

    def add(self, fields: Record) -> Record:
        record = {"id": self._next_id, **fields}
        self._records[self._next_id] = record
        self._next_id += 1
        self._changed(record["id"])
        return record

    def put(self, record: Record) -> None:
        """Replace the stored record that has ``record["id"]``."""
        self._records[record["id"]] = record
        self._changed(record["id"])

    def remove(self, record_id: int) -> Record | None:
        record = self._records.pop(record_id, None)
        if record is not None:
            self._changed(record_id)
        return record

    def encoded(self, record_id: int) -> bytes:
        data = self._encoded.get(record_id)
        if data is None:
            data = self._encoded[record_id] = encode(self._records[record_id])
        return data

    def text(self, record_id: int) -> str:
        """Every string in the record, lower-cased, for substring search."""
        text = self._text.get(record_id)
        if text is None:
            text = self._text[record_id] = "\n".join(_strings(self._records[record_id])).lower()
        return text

    def index(self, name: str, keys: Callable[[Record], Iterable[str]]) -> dict[str, list[int]]:
        """Ids by lookup key, built on first use after a change. ``name`` identifies ``keys``."""
        index = self._indexes.get(name)
        if index is None:
            index = {}
            for record_id, record in self._records.items():
                for key in keys(record):
                    index.setdefault(key, []).append(record_id)
            self._indexes[name] = index
        return index

    def _changed(self, record_id: int) -> None:
        self.version += 1
        self._encoded.pop(record_id, None)
        self._text.pop(record_id, None)
        self._indexes.clear()
        self._ids = None
