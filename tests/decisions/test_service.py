"""DecisionService with the real embedded engine: decisions, fail-closed paths, reload,
cache, shadow mode and the decision log."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from proxy.decisions import precompute
from proxy.decisions.passed_tests import PassedTests
from proxy.decisions.policy_set import PolicySet
from proxy.decisions.service import DecisionService
from proxy.decisions.settings import DEFAULT_POLICIES_DIR, PolicySettings
from tests.decisions.conftest import add_decision_field, edit_policy


def read(caller_region: str, subject_region: str | None, *, system: str = "crm",
         consent: bool = False, role: str = "agent") -> dict[str, Any]:
    return {"caller": {"sub": "alice@example.com", "role": role, "region": caller_region,
                       "purpose": "support", "tenant": "acme"},
            "request": {"method": "GET", "system": system, "path": "/tickets/alice@example.com",
                        "action": "read"},
            "subject": {"region": subject_region, "source": "directory"},
            "upstream": {"region": None}, "transfer": {"consent": consent}}


def copy_policies(tmp_path: Path, name: str = "policies") -> Path:
    target = tmp_path / name
    shutil.copytree(DEFAULT_POLICIES_DIR, target)
    return target


def run(coroutine_factory, **settings: Any) -> Any:
    """Start a service (policy tests on load only where a test asks: they are slow)."""
    settings.setdefault("run_tests_on_load", False)

    async def body() -> Any:
        service = DecisionService(PolicySettings(**settings))
        await service.start()
        try:
            return await coroutine_factory(service)
        finally:
            await service.close()
    return asyncio.run(body())


def failures(reason: str) -> float:
    return REGISTRY.get_sample_value("gateway_policy_failures_total", {"reason": reason}) or 0


def test_eu_agent_reading_cn_ticket_gets_the_pipl_decision() -> None:
    async def body(service: DecisionService):
        return (await service.decide(read("eu", "cn")),
                await service.decide(read("eu", "cn", consent=True)))
    refused, allowed = run(body)
    assert not refused.allow
    assert refused.reasons == ("transfer cn->eu denied under PIPL Articles 38-39: "
                               "missing separate_consent",)
    assert refused.masking["default"] == "drop"
    assert allowed.allow and allowed.route_region == "cn"
    assert allowed.policy_revision == refused.policy_revision != "none"
    assert len(allowed.id) == 32 and allowed.id != refused.id


def test_the_tables_computed_by_the_candidate_check_are_used(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway takes data.precomputed from the check's child process rather than
    evaluating it again (rego-cpp would keep that evaluation's memory)."""
    policies = copy_policies(tmp_path)
    expected = precompute.tables(PolicySet.load(policies))
    monkeypatch.setattr(precompute, "_cache", {})

    def computed_here(policy_set: PolicySet) -> dict[str, Any]:
        raise AssertionError("data.precomputed was evaluated in the gateway")
    monkeypatch.setattr(precompute, "_compute", computed_here)

    async def body(service: DecisionService):
        return await service.decide(read("eu", "cn", consent=True)), service.revision
    decision, revision = run(body, policies_dir=policies)
    assert decision.allow
    assert precompute._cache[revision][precompute.DATA_KEY] == expected


def test_broken_policy_never_loads_and_every_decision_denies(tmp_path) -> None:
    policies = copy_policies(tmp_path)
    (policies / "gateway.rego").write_text("package gateway\n\ndecision := := {}\n")
    before = failures("not_loaded")

    async def body(service: DecisionService):
        return service.ready, await service.decide(read("eu", "eu"))
    ready, decision = run(body, policies_dir=policies)
    assert not ready
    assert not decision.allow and decision.error == "not_loaded"
    assert decision.masking == {"default": "drop", "entities": {}, "drop_fields": [],
                                "detokenize": False}
    assert failures("not_loaded") == before + 1


def test_engine_error_at_evaluation_fails_closed(tmp_path) -> None:
    policies = copy_policies(tmp_path)
    # A built-in that errors on this input: strict errors make it an engine error.
    add_decision_field(policies, "boom", "boom", "boom := to_number(input.request.path)")

    async def body(service: DecisionService):
        return await service.decide(read("eu", "eu"))
    decision = run(body, policies_dir=policies, run_tests_on_load=False)
    assert not decision.allow and decision.error == "engine_error"


def test_malformed_result_fails_closed(tmp_path) -> None:
    policies = copy_policies(tmp_path)
    edit_policy(policies / "gateway.rego", '"allow": true,', '"allow": "yes",')

    async def body(service: DecisionService):
        return await service.decide(read("eu", "eu"))
    decision = run(body, policies_dir=policies, run_tests_on_load=False)
    assert not decision.allow and decision.error == "malformed_result"


def test_slow_policy_times_out_and_denies(tmp_path) -> None:
    policies = copy_policies(tmp_path)
    edit_policy(policies / "gateway.rego", 'allow if count(deny) == 0',
                'allow if {\n\tcount(deny) == 0\n'
                '\tcount([x | some x in numbers.range(1, 200000)]) > 0\n}')

    async def body(service: DecisionService):
        return await service.decide(read("eu", "eu"))
    decision = run(body, policies_dir=policies, run_tests_on_load=False, timeout_ms=5)
    assert not decision.allow and decision.error == "timeout"


def test_reload_rejects_failing_policy_and_keeps_the_old_one(tmp_path) -> None:
    policies = copy_policies(tmp_path)

    async def body(service: DecisionService):
        live = service.revision
        laws = policies / "data" / "laws.json"
        laws.write_text(laws.read_text().replace('"requires": ["separate_consent"]',
                                                 '"requires": []'))
        result = await service.reload()
        decision = await service.decide(read("eu", "cn"))
        return live, result, decision, service.revision
    live, result, decision, after = run(body, policies_dir=policies, run_tests_on_load=True)
    assert not result.ok and result.tests_failed >= 1
    assert after == live == result.revision
    assert not decision.allow  # the old rule (consent required) is still enforced


def test_reload_swaps_to_a_passing_policy_and_clears_the_cache(tmp_path) -> None:
    policies = copy_policies(tmp_path)

    async def body(service: DecisionService):
        first = await service.decide(read("eu", "eu"))
        cached = await service.decide(read("eu", "eu"))
        regions = policies / "data" / "regions.json"
        regions.write_text(regions.read_text().replace("Mainland China", "PRC"))
        result = await service.reload()
        fresh = await service.decide(read("eu", "eu"))
        return first, cached, result, fresh
    first, cached, result, fresh = run(body, policies_dir=policies)
    assert not first.cached and cached.cached and cached.id != first.id
    assert result.ok and result.previous_revision == first.policy_revision
    assert fresh.policy_revision == result.revision != first.policy_revision
    assert not fresh.cached


def test_shadow_disagreements_are_counted_and_logged(tmp_path, caplog) -> None:
    candidate = copy_policies(tmp_path, "candidate")
    transfers = candidate / "data" / "transfers.json"
    transfers.write_text(transfers.read_text().replace(
        '"chat": {', '"billing": {"eu": {"us": ["scc"]}},\n  "chat": {'))
    before = REGISTRY.get_sample_value("gateway_policy_shadow_disagreements_total") or 0

    async def body(service: DecisionService):
        agree = await service.decide(read("eu", "eu"))
        differ = await service.decide(read("us", "eu", system="billing"))
        await asyncio.sleep(0.2)
        return agree, differ
    with caplog.at_level(logging.INFO, logger="privacy_gateway.decisions"):
        _, differ = run(body, shadow_dir=candidate)
    assert differ.allow and "pseudonymize" in differ.obligations  # live policy enforced
    assert REGISTRY.get_sample_value("gateway_policy_shadow_disagreements_total") == before + 1
    entries = [json.loads(r.getMessage()) for r in caplog.records
               if r.getMessage().startswith("{")]
    shadow = [e for e in entries if e["kind"] == "shadow_disagreement"]
    assert len(shadow) == 1 and "obligations" in shadow[0]["fields"]
    assert "pseudonymize" not in shadow[0]["shadow"]["obligations"]


def test_decision_log_has_id_revision_and_no_personal_data(caplog) -> None:
    async def body(service: DecisionService):
        return await service.decide(read("eu", "cn", consent=True))
    with caplog.at_level(logging.INFO, logger="privacy_gateway.decisions"):
        decision = run(body)
    logged = [r.getMessage() for r in caplog.records if decision.id in r.getMessage()]
    assert len(logged) == 1
    entry = json.loads(logged[0])
    assert entry["policy_revision"] == decision.policy_revision
    assert entry["input"]["caller"]["role"] == "agent"
    assert entry["input"]["request"]["path"].startswith("/tickets/h:")
    assert "alice" not in logged[0] and "example.com" not in logged[0]


@pytest.mark.parametrize("document", [{"caller": float("nan")}, {"caller": object()}])
def test_input_that_is_not_json_fails_closed(document) -> None:
    async def body(service: DecisionService):
        return await service.decide(document)
    decision = run(body)
    assert not decision.allow and decision.error == "malformed_input"


def test_a_set_whose_tests_passed_is_not_tested_again_until_it_changes(tmp_path) -> None:
    """Starts and reloads skip the seconds of policy tests for files that passed them
    before; a changed set is tested again, and its failing tests still reject it."""
    policies = copy_policies(tmp_path)
    settings = PolicySettings(policies_dir=policies, run_tests_on_load=True)

    async def body():
        service = DecisionService(settings, passed_tests=PassedTests(tmp_path / "verdicts"))
        first = await service.start()
        again = await service.reload()
        laws = policies / "data" / "laws.json"
        laws.write_text(laws.read_text().replace('"requires": ["separate_consent"]',
                                                 '"requires": []'))
        changed = await service.reload()
        await service.close()
        return first, again, changed
    first, again, changed = asyncio.run(body())
    assert first.ok and not first.tests_cached and first.tests_passed > 0
    assert again.ok and again.tests_cached and again.tests_passed == first.tests_passed
    assert not changed.ok and changed.tests_failed >= 1 and not changed.tests_cached


def test_a_verdict_is_kept_per_set_and_query_and_a_damaged_one_is_ignored(tmp_path) -> None:
    verdicts = PassedTests(tmp_path)
    verdicts.record("rev-a", "data.gateway.decision", 57)
    assert verdicts.passed("rev-a", "data.gateway.decision") == 57
    assert verdicts.passed("rev-b", "data.gateway.decision") is None
    assert verdicts.passed("rev-a", "data.other.decision") is None
    for damaged in ("{", '{"passed": "57"}', '{"passed": -1}', "[57]"):
        for path in tmp_path.glob("*.json"):
            path.write_text(damaged)
        assert verdicts.passed("rev-a", "data.gateway.decision") is None
