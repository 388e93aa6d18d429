"""The writer's fast path to ``chain.canonical``: orjson for plain JSON values, the standard
library for everything else (so errors and edge cases stay exactly as ``canonical`` has them).

orjson with sorted keys writes the same bytes as ``canonical`` for strings, integers of 64
bits, booleans, null, lists, tuples and objects with string keys (tests/audit/test_encode.py
checks this property). It would also accept what ``canonical`` refuses (floats, NaN as null,
enums, UUIDs, dataclasses ...), so values are checked for exact plain types first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from proxy.audit.chain import canonical

_SCALARS = frozenset((str, int, bool, type(None)))
_MAX_DEPTH = 64  # deeper values take the standard library path (orjson stops at 255)


def canonical_text(value: Any) -> str:
    """``canonical(value).decode()``, several times faster for plain JSON values."""
    if _plain(value, 0):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
        except orjson.JSONEncodeError:  # beyond 64 bits, a lone surrogate, a key not a str
            pass
    return canonical(value).decode("utf-8")


def _plain(value: Any, depth: int) -> bool:
    """Is ``value`` made only of dict, list, tuple, str, int, bool and None, exactly those
    types (no subclasses), nested at most _MAX_DEPTH deep? (Dict keys are left to orjson,
    which takes nothing but exact str keys.)"""
    kind = type(value)
    if kind is dict:
        children: Iterable[Any] = value.values()
    elif kind is list or kind is tuple:
        children = value
    else:
        return kind in _SCALARS
    for child in children:
        if type(child) not in _SCALARS and (depth >= _MAX_DEPTH or not _plain(child, depth + 1)):
            return False
    return True
