"""Flatten a JSON document into its string and number leaves, with their paths, and rebuild
it with some of them replaced."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


@dataclass(slots=True)
class Leaf:
    path: Path
    value: str | int | float


def leaves(node: Any, path: Path = ()) -> Iterator[Leaf]:
    """Every string and number in ``node`` (booleans and nulls hold no personal data)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from leaves(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from leaves(value, (*path, i))
    elif isinstance(node, str) or (isinstance(node, int | float) and not isinstance(node, bool)):
        yield Leaf(path, node)


def rebuild(node: Any, replacements: Mapping[Path, Any], path: Path = ()) -> Any:
    """A copy of ``node`` with the leaves at the given paths replaced."""
    if path in replacements:
        return replacements[path]
    if isinstance(node, Mapping):
        return {key: rebuild(value, replacements, (*path, str(key)))
                for key, value in node.items()}
    if isinstance(node, list):
        return [rebuild(v, replacements, (*path, i)) for i, v in enumerate(node)]
    return node
