"""Masking profiles: which operator each entity type gets for one role and purpose."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any


class Operator(StrEnum):
    """Masking operators; the declaration order is least revealing first."""

    DROP = "drop"
    REDACT = "redact"
    HASH = "hash"
    TOKEN = "token"
    GENERALIZE = "generalize"
    PARTIAL = "partial"
    KEEP = "keep"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {op: i for i, op in enumerate(Operator)}


def least_revealing(operators: Iterable[Operator]) -> Operator:
    """The operator that reveals least (``drop`` beats everything, ``keep`` loses)."""
    return min(operators, key=lambda op: op.rank)


@dataclass(frozen=True)
class Profile:
    """One caller's masking rules, parsed from the shared dict shape
    ``{"default": op, "entities": {type: op}, "drop_fields": [...], "detokenize": bool}``."""

    default: Operator = Operator.DROP
    entities: Mapping[str, Operator] = field(default_factory=dict)
    drop_fields: frozenset[str] = frozenset()
    detokenize: bool = False

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Profile:
        unknown = set(raw) - {"default", "entities", "drop_fields", "detokenize"}
        if unknown:
            raise ValueError(f"unknown profile keys: {', '.join(sorted(unknown))}")
        return cls(
            default=Operator(raw.get("default", Operator.REDACT.value)),
            entities={k: Operator(v) for k, v in (raw.get("entities") or {}).items()},
            drop_fields=frozenset(raw.get("drop_fields") or ()),
            detokenize=bool(raw.get("detokenize", False)),
        )

    @classmethod
    def most_restrictive(cls) -> Profile:
        """For unknown roles and every fail-closed path: no personal data at all."""
        return cls(default=Operator.DROP)

    def operator_for(self, entity_type: str) -> Operator:
        return self.entities.get(entity_type, self.default)

    def keeps(self, entity_type: str) -> bool:
        return self.operator_for(entity_type) is Operator.KEEP

    @cached_property
    def masking_key(self) -> tuple[Any, ...]:
        """Equal for profiles that mask alike (same operators, same dropped fields)."""
        return self.default, tuple(sorted(self.entities.items())), self.drop_fields

    @cached_property
    def uses_tokens(self) -> bool:
        return Operator.TOKEN in (self.default, *self.entities.values())

    @property
    def keeps_everything(self) -> bool:
        return self.default is Operator.KEEP and all(
            op is Operator.KEEP for op in self.entities.values()) and not self.drop_fields

    def combine(self, other: Profile) -> Profile:
        """Both profiles at once: per entity the least revealing operator wins."""
        names = set(self.entities) | set(other.entities)
        return Profile(
            default=least_revealing([self.default, other.default]),
            entities={n: least_revealing([self.operator_for(n), other.operator_for(n)])
                      for n in names},
            drop_fields=self.drop_fields | other.drop_fields,
            detokenize=self.detokenize and other.detokenize,
        )

    def as_dict(self) -> dict[str, Any]:
        return {"default": self.default.value,
                "entities": {k: v.value for k, v in sorted(self.entities.items())},
                "drop_fields": sorted(self.drop_fields), "detokenize": self.detokenize}
