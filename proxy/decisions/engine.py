"""What the decision service needs from a policy engine."""

from __future__ import annotations

from typing import Any, Protocol

from proxy.decisions.policy_set import PolicySet


class EngineError(Exception):
    """The engine could not answer (error, unreachable, unreadable answer). The message names
    the failure kind only: it never carries input values."""


class Engine(Protocol):
    name: str

    async def start(self) -> None: ...

    async def prepare(self, policy_set: PolicySet) -> object:
        """Make ``policy_set`` ready to evaluate (compile it, or upload it) and return the
        handle ``evaluate`` takes. Raises PolicyError if the set cannot be used."""

    async def evaluate(self, prepared: object, document: dict[str, Any]) -> Any:
        """The query's value for this input; ``None`` when undefined. Raises EngineError."""

    async def close(self) -> None: ...
