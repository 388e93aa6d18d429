"""A candidate policy set that crashes or stalls the engine is rejected by the check in a
child process; the gateway process survives and the live set stays."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from proxy.decisions.candidate_check import check_candidate
from proxy.decisions.service import DecisionService
from proxy.decisions.settings import DEFAULT_POLICIES_DIR
from tests.decisions.conftest import LoopThread, add_decision_field, started_service

LOCAL_READ = {"caller": {"sub": "u1", "role": "agent", "region": "eu", "purpose": "support"},
              "request": {"method": "GET", "system": "crm", "path": "/x", "action": "read"},
              "subject": {"region": "eu", "source": "directory"}}


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[Path, LoopThread, DecisionService]]:
    policies = tmp_path_factory.mktemp("safety") / "policies"
    shutil.copytree(DEFAULT_POLICIES_DIR, policies)
    with started_service(policies_dir=policies, run_tests_on_load=False,
                         check_timeout_seconds=90) as (loop, service):
        yield policies, loop, service


def add_rule(policies: Path, rule: str) -> None:
    add_decision_field(policies, "extra", rule)


def test_policy_that_segfaults_the_engine_is_rejected(live) -> None:
    policies, loop, service = live
    original = (policies / "gateway.rego").read_text()
    revision = service.revision
    # Verified on regopy 1.5.2: evaluating a literal nested 5000 levels deep overflows
    # rego-cpp's stack (SIGSEGV); in-process this would kill the gateway.
    add_rule(policies, "[" * 5000 + "]" * 5000)
    try:
        result = loop.run(service.reload())
    finally:
        (policies / "gateway.rego").write_text(original)
    assert not result.ok and "crashed (SIGSEGV)" in result.errors[0]
    assert service.revision == revision == result.revision
    assert loop.run(service.decide(LOCAL_READ)).allow  # still deciding with the old set


def test_policy_that_never_finishes_is_rejected(live) -> None:
    policies, loop, _ = live
    original = (policies / "gateway.rego").read_text()
    add_rule(policies, "count([x | some x in numbers.range(1, 100000000)])")
    try:
        result = loop.run(check_candidate(policies, "data.gateway.decision", run_tests=False,
                                          timeout=3))
    finally:
        (policies / "gateway.rego").write_text(original)
    assert not result.ok and result.error == "compiling and testing took over 3 s"
