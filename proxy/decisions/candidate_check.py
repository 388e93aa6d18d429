"""A candidate policy set is compiled and tested in a child process before the gateway
loads it: a policy that crashes rego-cpp (a segfault or abort; e.g. a literal nested a few
thousand levels deep overflows its stack) or never finishes kills or stalls the child, and
the set is rejected with the reason while the live set stays."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    revision: str | None = None
    tests_passed: int = 0
    tests_failed: int = 0
    error: str | None = None
    precomputed: dict[str, Any] | None = None  # the set's data.precomputed, when it has one


async def check_candidate(directory: Path, query: str, *, run_tests: bool,
                          timeout: float) -> CheckResult:
    command = [sys.executable, "-m", __name__, str(directory), "--query", query]
    process = await asyncio.create_subprocess_exec(
        *command, *(["--tests"] if run_tests else []),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        return CheckResult(False, error=f"compiling and testing took over {timeout:g} s")
    if process.returncode and process.returncode < 0:
        name = signal.Signals(-process.returncode).name
        return CheckResult(False, error=f"the policy engine crashed ({name}) compiling or "
                                        "testing this set")
    try:
        return CheckResult(**json.loads(stdout.decode().strip().splitlines()[-1]))
    except (ValueError, TypeError, IndexError):
        return CheckResult(False, error=f"the check exited with status {process.returncode} "
                                        "and no result")


def _check(directory: Path, query: str, run_tests: bool) -> CheckResult:
    from proxy.decisions.embedded import CompiledPolicy, EmbeddedEngine, compile_bundle
    from proxy.decisions.engine import EngineError
    from proxy.decisions.policy_set import PolicyError, PolicySet
    from proxy.decisions.policy_tests import run_tests as run_policy_tests
    from proxy.decisions.precompute import tables

    try:
        policy_set = PolicySet.load(directory)
        policy = CompiledPolicy(policy_set.revision, compile_bundle(policy_set, query))
        with contextlib.suppress(EngineError):  # only a crash or a hang rejects here
            EmbeddedEngine(query).evaluate_now(policy, {})
        precomputed = tables(policy_set)  # computed by the compile: cached
        if not run_tests:
            return CheckResult(True, policy_set.revision, precomputed=precomputed)
        report = run_policy_tests(policy_set, query)
    except PolicyError as exc:
        return CheckResult(False, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - any engine failure rejects the set
        return CheckResult(False, error=f"the policy engine failed ({type(exc).__name__})")
    failed = [r.name for r in report.failures]
    error = (f"{len(failed)} policy test(s) fail: " + ", ".join(failed[:5])) if failed else None
    return CheckResult(not failed, policy_set.revision, len(report.results) - len(failed),
                       len(failed), error, precomputed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--query", required=True)
    parser.add_argument("--tests", action="store_true")
    args = parser.parse_args(argv)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash here is expected, not debugged
    result = _check(args.directory, args.query, args.tests)
    print(json.dumps(result.__dict__))
    return 0


if __name__ == "__main__":
    sys.exit(main())
