"""Identical decision inputs within a short TTL reuse the decision (bounded, LRU)."""

from __future__ import annotations

import time
from collections import OrderedDict

from proxy.decisions.model import Decision


class DecisionCache:
    def __init__(self, ttl_seconds: float, max_size: int) -> None:
        self._ttl = ttl_seconds
        self._max = max_size
        self._items: OrderedDict[str, tuple[float, Decision]] = OrderedDict()

    def get(self, key: str) -> Decision | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, decision = item
        if expires < time.monotonic():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return decision

    def put(self, key: str, decision: Decision) -> None:
        if self._max == 0 or self._ttl == 0:
            return
        self._items[key] = (time.monotonic() + self._ttl, decision)
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
