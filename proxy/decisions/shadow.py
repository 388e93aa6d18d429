"""Shadow mode: a candidate policy set evaluated beside the live one, never enforced;
disagreements are counted and logged with both results."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from proxy.decisions.decision_log import DecisionLog
from proxy.decisions.embedded import CompiledPolicy, EmbeddedEngine
from proxy.decisions.engine import EngineError
from proxy.decisions.metrics import SHADOW_DISAGREEMENTS
from proxy.decisions.model import Decision, MalformedResult, decision_from_result

logger = logging.getLogger("privacy_gateway.decisions.shadow")

_COMPARED = ("allow", "reasons", "route_region", "fanout_regions", "masking", "audit_level",
             "obligations")


def disagreement(live: Decision, candidate: Decision) -> list[str]:
    """The decision fields on which the two differ."""
    return [f for f in _COMPARED if getattr(live, f) != getattr(candidate, f)]


@dataclass
class Shadow:
    engine: EmbeddedEngine
    policy: CompiledPolicy
    log: DecisionLog

    @property
    def revision(self) -> str:
        return self.policy.revision

    async def compare(self, live: Decision, document: dict[str, Any]) -> None:
        try:
            raw = await self.engine.evaluate(self.policy, document)
            candidate = decision_from_result(raw, self.revision, "shadow")
        except (EngineError, MalformedResult) as exc:
            candidate = Decision.deny(str(exc), self.revision, "shadow")
        fields = disagreement(live, candidate)
        if fields:
            SHADOW_DISAGREEMENTS.inc()
            self.log.record(live, document, kind="shadow_disagreement", fields=fields,
                            shadow=candidate.as_dict())
