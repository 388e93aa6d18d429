"""Runs a policy set's tests (every ``test_*`` rule of every ``*_test.rego``) with the
embedded engine and reports which policy rules the tests exercise.

A test rule is either a boolean (passes when true) or a case object
``{"input": ..., "expect": ..., "query": "data.gateway.decision"}`` that passes when every
field of ``expect`` matches the query's value for that input (objects match on the keys
``expect`` names, everything else must be equal). Cases replace ``with input as``, which
regopy 1.5 cannot evaluate on real policies (it errors or aborts the process).

Coverage: a value rule (not a function) is covered when at least one case makes it
defined and non-empty (true, a non-empty set, a string ...)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from regopy import Bundle, Input, Interpreter

from proxy.decisions.embedded import (
    compile_bundle,
    load_interpreter,
    new_interpreter,
    query_value,
    to_input,
)
from proxy.decisions.engine import EngineError
from proxy.decisions.policy_set import PolicyError, PolicySet

_TEST_RULE = re.compile(r"^(test_\w+)\s*(?:if\b|:=|=|\{)", re.MULTILINE)
_RULE = re.compile(r"^(?:default\s+)?([a-z_]\w*)\s*(?::=|=|if\b|contains\b|\{)", re.MULTILINE)
_KEYWORDS = {"package", "import", "default"}


@dataclass(frozen=True)
class TestResult:
    name: str  # data path, e.g. data.gateway.residency_test.test_local_read
    passed: bool
    detail: str | None = None


@dataclass(frozen=True)
class TestReport:
    results: tuple[TestResult, ...]
    covered: tuple[str, ...]
    uncovered: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def failures(self) -> tuple[TestResult, ...]:
        return tuple(r for r in self.results if not r.passed)


def test_paths(policy_set: PolicySet) -> list[str]:
    paths = []
    for name, package in policy_set.packages(tests=True).items():
        for rule in dict.fromkeys(_TEST_RULE.findall(policy_set.tests[name])):
            paths.append(f"data.{package}.{rule}")
    return paths


def rule_paths(policy_set: PolicySet) -> list[str]:
    """Value rules (not functions, not tests) of the policy modules."""
    paths = []
    for name, package in policy_set.packages(tests=False).items():
        rules = [r for r in _RULE.findall(policy_set.modules[name]) if r not in _KEYWORDS]
        paths.extend(f"data.{package}.{rule}" for rule in dict.fromkeys(rules))
    return paths


def matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and matches(value, actual[key]) for key, value in expected.items())
    return expected == actual


def _entrypoint(path: str) -> str:
    return path.removeprefix("data.").replace(".", "/")


class _Runner:
    def __init__(self, policy_set: PolicySet, default_query: str) -> None:
        self.policy_set = policy_set
        self.default_query = default_query
        self.tests = load_interpreter(policy_set, tests=True)
        self.interpreter = new_interpreter()
        self.bundles: dict[str, Bundle] = {}
        self.rules = rule_paths(policy_set)
        self.probe = compile_bundle(policy_set, None, [_entrypoint(r) for r in self.rules])
        self.hit: set[str] = set()

    def run(self, path: str) -> TestResult:
        try:
            value = _query(self.tests, path)
        except EngineError as exc:
            return TestResult(path, False, str(exc))
        if value is True:
            return TestResult(path, True)
        if isinstance(value, dict) and {"input", "expect"} <= value.keys():
            return self._case(path, value)
        return TestResult(path, False, "undefined" if value is None else "not true")

    def _case(self, path: str, case: dict[str, Any]) -> TestResult:
        query = case.get("query", self.default_query)
        try:
            document = to_input(case["input"])
            bundle = self.bundles.get(query) or self.bundles.setdefault(
                query, compile_bundle(self.policy_set, query))
            actual = query_value(self.interpreter, bundle, document)
        except (PolicyError, EngineError) as exc:
            return TestResult(path, False, str(exc))
        self._probe(document)
        if matches(case["expect"], actual):
            return TestResult(path, True)
        return TestResult(path, False, f"expected {json.dumps(case['expect'])}\n"
                                       f"got      {json.dumps(actual)}")

    def _probe(self, document: Input) -> None:
        for rule in self.rules:
            if rule in self.hit:
                continue
            try:
                value = query_value(self.interpreter, self.probe, document, _entrypoint(rule))
            except EngineError:
                continue
            if value not in (None, False, [], {}, ""):
                self.hit.add(rule)


def _query(interpreter: Interpreter, path: str) -> Any:
    output = interpreter.query(path)
    if not output.ok():  # never str() an error output: regopy 1.5 crashes on it
        raise EngineError("evaluation error")
    values = output.results[0].expressions if output.results else []
    return values[0] if values else None


def run_tests(policy_set: PolicySet, query: str = "data.gateway.decision") -> TestReport:
    """Raises PolicyError if the policies or tests do not compile or there are no tests."""
    paths = test_paths(policy_set)
    if not paths:
        raise PolicyError("no test_* rules in any *_test.rego file")
    runner = _Runner(policy_set, query)
    results = tuple(runner.run(path) for path in paths)
    covered = tuple(r for r in runner.rules if r in runner.hit)
    uncovered = tuple(r for r in runner.rules if r not in runner.hit)
    return TestReport(results, covered, uncovered)
