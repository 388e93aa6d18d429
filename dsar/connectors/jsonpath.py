"""JSONPath reads for connector declarations (parsed once per expression)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.ext import parse


class JsonPathError(ValueError):
    pass


@lru_cache(maxsize=1024)
def compiled(expression: str) -> JSONPath:
    try:
        return parse(expression)
    except Exception as exc:  # the parser raises several unrelated exception types
        raise JsonPathError(f"{expression!r} is not a JSON path ({type(exc).__name__})") from None


def values(document: Any, expression: str) -> list[Any]:
    return [match.value for match in compiled(expression).find(document)]


def first(document: Any, expression: str) -> Any:
    found = values(document, expression)
    return found[0] if found else None
