"""The shipped Rego policies pass their own tests (so CI fails when a policy test fails),
and the test runner really fails a broken policy."""

from __future__ import annotations

import shutil
from pathlib import Path

from proxy.cli import main
from proxy.decisions.policy_set import PolicySet
from proxy.decisions.policy_tests import run_tests
from proxy.decisions.settings import DEFAULT_POLICIES_DIR


def test_policy_test_command_passes_on_shipped_policies(capsys) -> None:
    assert main(["policy", "test"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out
    assert "test_cn_to_eu_with_mechanism_but_no_consent_is_denied" in out
    assert "coverage:" in out


def test_every_policy_rule_is_hit_by_a_test() -> None:
    report = run_tests(PolicySet.load(DEFAULT_POLICIES_DIR))
    assert report.passed
    assert report.uncovered == ()


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES_DIR, target)
    return target


def test_a_policy_change_that_breaks_a_rule_fails_its_tests(tmp_path, capsys) -> None:
    policies = _copy(tmp_path)
    laws = policies / "data" / "laws.json"
    laws.write_text(laws.read_text().replace('"requires": ["separate_consent"]', '"requires": []'))
    assert main(["policy", "test", "--dir", str(policies)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  data.gateway.residency_test.test_cn_to_eu_with_mechanism_but_no_consent" in out


def test_revision_changes_with_content(tmp_path) -> None:
    policies = _copy(tmp_path)
    before = PolicySet.load(policies).revision
    assert PolicySet.load(DEFAULT_POLICIES_DIR).revision == before
    (policies / "data" / "regions.json").write_text(
        (policies / "data" / "regions.json").read_text().replace("Mainland China", "PRC"))
    assert PolicySet.load(policies).revision != before
