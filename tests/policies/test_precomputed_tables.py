"""data.precomputed only makes decisions faster: the same policies without the tables (an
OPA server loading the set from its own bundle, or any pair a table does not hold) decide
exactly alike. Both paths run in regopy here, whose comprehension defects the policies
work around (see residency.rego), so this also catches a rule that trips over them."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from proxy.decisions.embedded import CompiledPolicy, EmbeddedEngine, compile_bundle
from proxy.decisions.policy_set import PolicySet
from proxy.decisions.precompute import DATA_KEY, policy_data
from proxy.decisions.settings import DEFAULT_POLICIES_DIR

QUERY = "data.gateway.decision"
INPUTS = json.loads(
    (Path(__file__).parents[1] / "decisions" / "decision_inputs.json").read_text())


def generated() -> list[dict[str, Any]]:
    documents = []
    for role, action, subject, caller, system, consent in itertools.product(
            ["agent", "supervisor", "analyst", "dpo", "compliance", "intern"],
            ["read", "write", "detokenize", "dsar_export", "audit.search", "patch"],
            ["eu", "cn", "us", "uk", None, "", "mars"], ["eu", "cn", "us", None, "mars"],
            ["crm", "chat", "billing"], [True, False, None]):
        document: dict[str, Any] = {
            "caller": {"sub": "u1", "role": role, "region": caller, "purpose": "support"},
            "request": {"method": "GET", "system": system, "path": "/x", "action": action},
            "subject": {"region": subject, "source": "directory"},
            "upstream": {"region": caller if action == "write" else None},
        }
        if consent is not None:
            document["transfer"] = {"consent": consent}
        documents.append(document)
    return documents[::7] + INPUTS  # a spread of the product, and the shared input set


def decisions(policy_set: PolicySet, documents: list[dict[str, Any]]) -> list[Any]:
    policy = CompiledPolicy(policy_set.revision, compile_bundle(policy_set, QUERY))
    engine = EmbeddedEngine(QUERY)
    return [engine.evaluate_now(policy, d) for d in documents]


def without_tables(policy_set: PolicySet, monkeypatch) -> PolicySet:
    """The same set whose loading yields no data.precomputed."""
    data = policy_set.data
    monkeypatch.setattr("proxy.decisions.embedded.policy_data", lambda _set: data)
    return policy_set


def variant(tmp_path: Path) -> Path:
    """Data a compliance team might write: GDPR refusing unprotected transfers, a new
    system with its own SCCs, a role with an extra purpose."""
    target = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES_DIR, target)
    laws = json.loads((target / "data" / "laws.json").read_text())
    laws["gdpr"]["fallback"] = "deny"
    (target / "data" / "laws.json").write_text(json.dumps(laws))
    transfers = json.loads((target / "data" / "transfers.json").read_text())
    transfers["billing"] = {"eu": {"us": ["scc"]}, "cn": {"us": ["standard_contract"]}}
    (target / "data" / "transfers.json").write_text(json.dumps(transfers))
    roles = json.loads((target / "data" / "roles.json").read_text())
    roles["analyst"]["profiles"]["support"] = "agent"
    (target / "data" / "roles.json").write_text(json.dumps(roles))
    return target


@pytest.mark.parametrize("which", ["shipped", "variant"])
def test_decisions_are_the_same_without_the_tables(which: str, tmp_path, monkeypatch) -> None:
    directory = DEFAULT_POLICIES_DIR if which == "shipped" else variant(tmp_path)
    policy_set = PolicySet.load(directory)
    assert DATA_KEY in policy_data(policy_set)
    documents = generated()
    with_tables = decisions(policy_set, documents)
    computed = decisions(without_tables(policy_set, monkeypatch), documents)
    differing = [documents[i] for i, (a, b) in enumerate(zip(with_tables, computed, strict=True))
                 if a != b]
    assert differing == []
    assert sum(d["allow"] for d in with_tables) > 100 and not all(d["allow"] for d in with_tables)
