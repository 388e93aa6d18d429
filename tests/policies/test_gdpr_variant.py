"""A compliance team that wants GDPR transfers without a mechanism refused, not
pseudonymized, changes one data value; the same rules then deny with the reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from proxy.decisions.embedded import CompiledPolicy, EmbeddedEngine, compile_bundle
from proxy.decisions.model import decision_from_result
from proxy.decisions.policy_set import PolicySet
from proxy.decisions.settings import DEFAULT_POLICIES_DIR

QUERY = "data.gateway.decision"


def read(system: str, caller_region: str, subject_region: str | None) -> dict:
    return {"caller": {"sub": "u1", "role": "agent", "region": caller_region,
                       "purpose": "support"},
            "request": {"method": "GET", "system": system, "path": "/t/1", "action": "read"},
            "subject": {"region": subject_region, "source": "directory"}}


def decide(directory: Path, document: dict):
    policy_set = PolicySet.load(directory)
    policy = CompiledPolicy(policy_set.revision, compile_bundle(policy_set, QUERY))
    raw = EmbeddedEngine(QUERY).evaluate_now(policy, document)
    return decision_from_result(raw, policy.revision, "embedded")


def test_gdpr_fallback_deny_refuses_transfers_without_a_mechanism(tmp_path) -> None:
    variant = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES_DIR, variant)
    laws_file = variant / "data" / "laws.json"
    laws = json.loads(laws_file.read_text())
    laws["gdpr"]["fallback"] = "deny"
    laws_file.write_text(json.dumps(laws))

    no_scc = read("chat", "us", "eu")
    shipped = decide(DEFAULT_POLICIES_DIR, no_scc)
    assert shipped.allow and "pseudonymize" in shipped.obligations
    refused = decide(variant, no_scc)
    assert not refused.allow
    assert refused.reasons == ("transfer eu->us denied under GDPR Chapter V: "
                               "no transfer mechanism",)
    assert refused.masking["default"] == "drop"
    with_scc = decide(variant, read("crm", "us", "eu"))
    assert with_scc.allow and with_scc.obligations == ("record_transfer",)
    fan_out = decide(variant, read("chat", "us", None))
    assert fan_out.allow and fan_out.fanout_regions == ("uk", "us")
