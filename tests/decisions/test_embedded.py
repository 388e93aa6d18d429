"""The embedded engine's own input and output handling: the direct input builder gives
regopy exactly what regopy's Input of the JSON form gives it, refuses what rego-cpp cannot
hold as it is, and the public-API path (for another regopy build) decides the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from regopy import Input, Interpreter

from proxy.decisions import embedded
from proxy.decisions.embedded import (
    CompiledPolicy,
    EmbeddedEngine,
    compile_bundle,
    entrypoint_of,
    to_input,
)
from proxy.decisions.engine import EngineError
from proxy.decisions.policy_set import PolicySet
from proxy.decisions.settings import DEFAULT_POLICIES_DIR

INPUTS = json.loads(Path(__file__).with_name("decision_inputs.json").read_text())
QUERY = "data.gateway.decision"

VALUES: list[Any] = [
    {"int": 1, "min": -(2**63), "max": 2**63 - 1, "float": 1.5, "zero": -0.0, "t": True,
     "f": False, "null": None, "text": "汉字 é \u2028", "empty": "", "list": [], "obj": {},
     "nested": [1, [2, {"m": (3, 4)}]]},
    {1: "int key", "x": [True, None]},  # keys become strings, as in JSON
    [1, "two", 3.25],
    "a string",
    7,
    None,
]


def seen_by_regopy(document: Input) -> Any:
    interpreter = Interpreter()
    interpreter.set_input(document)
    return interpreter.query("x := input").results[0].bindings["x"]


@pytest.mark.parametrize("value", VALUES)
def test_input_is_what_regopy_makes_of_the_json_form(value: Any) -> None:
    assert seen_by_regopy(to_input(value)) == seen_by_regopy(
        Input(json.loads(json.dumps(value))))


@pytest.mark.parametrize("value", [
    {"region": "cn\x00eu"},  # regopy would see "cn"
    {"n": 2**64}, {"n": -(2**63) - 1},  # regopy would wrap them
    {"n": float("nan")}, {"n": float("inf")}, {"x": object()}, {"x": {1, 2}}, {"x": b"b"},
    {"x": "\ud800"},  # a lone surrogate is no UTF-8
])
def test_values_rego_cpp_cannot_hold_as_they_are_are_refused(value: Any) -> None:
    with pytest.raises(EngineError):
        to_input(value)


@pytest.fixture(scope="module")
def shipped() -> CompiledPolicy:
    policy_set = PolicySet.load(DEFAULT_POLICIES_DIR)
    return CompiledPolicy(policy_set.revision, compile_bundle(policy_set, QUERY))


def test_public_api_path_decides_alike(shipped: CompiledPolicy, monkeypatch) -> None:
    engine = EmbeddedEngine(QUERY)
    direct = [engine.evaluate_now(shipped, d) for d in INPUTS[:60]]
    monkeypatch.setattr(embedded, "_build_input", embedded._normalised_input)
    monkeypatch.setattr(embedded, "_DIRECT_OUTPUT", False)
    public = [EmbeddedEngine(QUERY).evaluate_now(shipped, d) for d in INPUTS[:60]]
    assert direct == public
    assert any(d["allow"] for d in direct) and not all(d["allow"] for d in direct)


def test_rule_queries_are_asked_as_entrypoints_false_stays_a_value(tmp_path) -> None:
    (tmp_path / "p.rego").write_text(
        "package p\n\nimport rego.v1\n\nno := false\n\nmaybe := 1 if input.x\n\n"
        "default fallback := 3\n")
    policy_set = PolicySet.load(tmp_path)
    assert entrypoint_of("data.p.no") == "p/no"
    assert entrypoint_of("count(data.p.no)") is None and entrypoint_of(None) is None
    for query, document, expected in [("data.p.no", {}, False), ("data.p.maybe", {}, None),
                                      ("data.p.maybe", {"x": True}, 1),
                                      ("data.p.fallback", {}, 3)]:
        policy = CompiledPolicy("r", compile_bundle(policy_set, query))
        assert EmbeddedEngine(query).evaluate_now(policy, document) == expected, query
