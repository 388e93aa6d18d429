"""The decision a policy gives one request, and how a raw policy result becomes one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr, ValidationError

# Least revealing first; when two rules disagree the earlier operator wins.
OPERATORS = ("drop", "redact", "hash", "token", "generalize", "partial", "keep")
Operator = Literal["drop", "redact", "hash", "token", "generalize", "partial", "keep"]

MOST_RESTRICTIVE_MASKING: dict[str, Any] = {
    "default": "drop", "entities": {}, "drop_fields": [], "detokenize": False,
}


class MalformedResult(ValueError):
    """A policy answer that does not have the decision shape (never shown to callers)."""


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Decision:
    """One policy decision. ``masking`` follows the shared profile shape and must be treated
    as read-only: cached decisions share it."""

    allow: bool
    reasons: tuple[str, ...]
    route_region: str | None
    masking: dict[str, Any]
    audit_level: str
    obligations: tuple[str, ...]
    policy_revision: str
    engine: str
    fanout_regions: tuple[str, ...] = ()
    cached: bool = False
    error: str | None = None
    id: str = field(default_factory=new_id)

    @classmethod
    def deny(cls, reason: str, revision: str, engine: str = "none") -> Decision:
        """Fail closed: refuse, with the most restrictive masking should a route still
        answer with masked data. ``reason`` names the failure, never personal data."""
        return cls(allow=False, reasons=(f"policy failure: {reason}",), route_region=None,
                   masking=MOST_RESTRICTIVE_MASKING, audit_level="elevated", obligations=(),
                   policy_revision=revision, engine=engine, error=reason)

    def fresh(self) -> Decision:
        """This decision for one more request, under its own id."""
        return replace(self, id=new_id())

    def reused(self) -> Decision:
        """This decision served again from the cache, under a fresh id."""
        return replace(self, id=new_id(), cached=True)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "allow": self.allow, "reasons": list(self.reasons),
                "route": {"region": self.route_region, "fanout": list(self.fanout_regions)},
                "masking": self.masking, "audit": self.audit_level,
                "obligations": list(self.obligations), "policy_revision": self.policy_revision,
                "engine": self.engine, "cached": self.cached, "error": self.error}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _Masking(_Strict):
    default: Operator
    entities: dict[StrictStr, Operator]
    drop_fields: list[StrictStr]
    detokenize: StrictBool


class _Route(_Strict):
    region: StrictStr | None
    fanout: list[StrictStr]


class _Result(_Strict):
    allow: StrictBool
    reasons: list[StrictStr]
    route: _Route
    masking: _Masking
    audit: StrictStr
    obligations: list[StrictStr]


def decision_from_result(raw: Any, revision: str, engine: str) -> Decision:
    """Validate a policy answer; anything but the exact decision shape is MalformedResult."""
    if raw is None:
        raise MalformedResult("undefined")
    try:
        result = _Result.model_validate(raw)
    except ValidationError as exc:
        raise MalformedResult(f"{exc.error_count()} shape errors") from None
    return Decision(allow=result.allow, reasons=tuple(result.reasons),
                    route_region=result.route.region, masking=result.masking.model_dump(),
                    audit_level=result.audit, obligations=tuple(result.obligations),
                    policy_revision=revision, engine=engine,
                    fanout_regions=tuple(result.route.fanout))
