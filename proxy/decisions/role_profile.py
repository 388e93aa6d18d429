"""The decision, and so the masking profile, the policy gives a role outside a running
gateway (``pii-bench``, tests): the gateway's query and input shape on the embedded engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from proxy.decisions.embedded import CompiledPolicy, EmbeddedEngine, compile_bundle
from proxy.decisions.engine import EngineError
from proxy.decisions.model import Decision, MalformedResult, decision_from_result
from proxy.decisions.policy_set import PolicySet
from proxy.decisions.settings import PolicySettings
from proxy.pii.profiles import Profile


class PolicyRefused(Exception):
    """The policy refuses the read a profile was asked for (the message gives its reasons)."""


# Compiled policy sets by (revision, query): compiling takes most of a second, deciding ~1 ms.
_compiled: dict[tuple[str, str], Any] = {}


def role_input(role: str | None, purpose: str | None, region: str, system: str, *,
               subject_region: str | None = None, action: str = "read") -> dict[str, Any]:
    """The gateway's decision input for a command-line caller with ``role`` asking to
    ``action`` a subject of ``subject_region`` (default: the caller's own ``region``)."""
    return {
        "caller": {"sub": "cli", "role": role, "region": region, "purpose": purpose,
                   "tenant": None, "method": "cli"},
        "request": {"method": "GET", "system": system, "path": "/", "action": action},
        "subject": {"region": subject_region or region, "source": "routing_key"},
        "upstream": {"region": None}, "transfer": {"consent": False}}


def policy_decision(role: str | None, purpose: str | None = None, *,
                    policies_dir: Path | None = None, region: str = "eu",
                    system: str = "crm", action: str = "read") -> Decision:
    """The decision the policies (default: the shipped ``policies/``) give ``role`` asking to
    ``action`` (default: read) a subject of its own ``region`` in ``system``: the query, input
    shape and embedded engine of the gateway and ``privacy-gateway mask``, so its ``masking``
    is the profile the gateway would apply (policies/masking.rego: data/roles.json picks the
    role's profile for the purpose from data/masking.json). A policy that fails to evaluate
    gives the gateway's fail-closed deny; one that cannot be loaded raises ``PolicyError``."""
    settings = PolicySettings(**({} if policies_dir is None else {"policies_dir": policies_dir}))
    policy_set = PolicySet.load(settings.policies_dir)
    key = (policy_set.revision, settings.query)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = CompiledPolicy(policy_set.revision,
                                  compile_bundle(policy_set, settings.query))
        _compiled[key] = compiled
    engine = EmbeddedEngine(settings.query)
    document = role_input(role, purpose, region, system, action=action)
    try:
        return decision_from_result(engine.evaluate_now(compiled, document), compiled.revision,
                                    engine.name)
    except (EngineError, MalformedResult) as exc:
        return Decision.deny(str(exc) or type(exc).__name__, compiled.revision, engine.name)


def policy_profile(role: str, purpose: str | None = None, *,
                   policies_dir: Path | None = None, region: str = "eu",
                   system: str = "crm") -> Profile:
    """The masking profile the policy gives ``role`` for ``purpose`` (see
    ``policy_decision``); ``PolicyRefused`` when the policy refuses that role the read (an
    unknown role: the gateway answers 403, it masks nothing)."""
    decision = policy_decision(role, purpose, policies_dir=policies_dir, region=region,
                               system=system)
    if not decision.allow:
        raise PolicyRefused("refused by policy: " + "; ".join(decision.reasons))
    return Profile.from_dict(decision.masking)
