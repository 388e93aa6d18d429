"""Flatten a JSON document into string leaves with their paths, and rebuild it with
replacements. The masker decides per leaf; this module only knows JSON shapes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]
DROP = object()  # replacement sentinel: remove the field / list item


@dataclass(slots=True)
class Leaf:
    path: Path
    value: str | int | float
    owner: Path  # path of the object the leaf belongs to (for subject keys)


def leaves(node: Any, path: Path = (), owner: Path = ()) -> Iterator[Leaf]:
    """Every string and number in ``node`` (booleans and nulls hold no personal data)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from leaves(value, (*path, str(key)), path)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from leaves(value, (*path, i), owner)
    elif isinstance(node, str) or (isinstance(node, int | float) and not isinstance(node, bool)):
        yield Leaf(path, node, owner)


def rebuild(node: Any, replacements: Mapping[Path, Any], path: Path = ()) -> Any:
    """A copy of ``node`` with leaves replaced (``DROP`` removes them)."""
    if path in replacements:
        return replacements[path]
    if isinstance(node, Mapping):
        out = {}
        for key, value in node.items():
            new = rebuild(value, replacements, (*path, str(key)))
            if new is not DROP:
                out[key] = new
        return out
    if isinstance(node, list):
        items = (rebuild(v, replacements, (*path, i)) for i, v in enumerate(node))
        return [item for item in items if item is not DROP]
    return node


def without_fields(node: Any, names: frozenset[str]) -> Any:
    """A copy of ``node`` without any object member whose key is in ``names``."""
    if isinstance(node, Mapping):
        return {k: without_fields(v, names) for k, v in node.items() if k not in names}
    if isinstance(node, list):
        return [without_fields(v, names) for v in node]
    return node
