"""Decision objects: the per-request copies a cache hit makes, the parsed profile."""

from __future__ import annotations

import pytest

from proxy.decisions.model import Decision, decision_from_result
from proxy.pii.profiles import Operator, Profile

RESULT = {"allow": True, "reasons": ["transfer eu->eu stays local"],
          "route": {"region": "eu", "fanout": []},
          "masking": {"default": "redact", "entities": {"PERSON": "keep"},
                      "drop_fields": ["iban"], "detokenize": False},
          "audit": "standard", "obligations": []}


def test_reused_and_fresh_copies_keep_the_decision_under_a_new_id() -> None:
    decision = decision_from_result(RESULT, "rev1", "embedded")
    reused, fresh = decision.reused(), decision.fresh()
    for copy in (reused, fresh):
        assert copy.id != decision.id
        assert (copy.allow, copy.reasons, copy.route_region, copy.masking, copy.audit_level,
                copy.obligations, copy.policy_revision, copy.engine, copy.fanout_regions,
                copy.error) == (decision.allow, decision.reasons, decision.route_region,
                                decision.masking, decision.audit_level, decision.obligations,
                                decision.policy_revision, decision.engine,
                                decision.fanout_regions, decision.error)
    assert reused.cached and not fresh.cached and not decision.cached
    assert reused.reused().id != reused.id
    with pytest.raises(AttributeError):  # still frozen
        reused.allow = False  # type: ignore[misc]


def test_profile_is_the_parsed_masking_computed_once_and_shared_by_copies() -> None:
    decision = decision_from_result(RESULT, "rev1", "embedded")
    copies = [decision.reused() for _ in range(3)]
    profile = copies[0].profile
    assert profile == Profile.from_dict(RESULT["masking"])
    assert profile.operator_for("PERSON") is Operator.KEEP
    assert profile.operator_for("EMAIL_ADDRESS") is Operator.REDACT
    assert profile.drop_fields == frozenset({"iban"})
    assert all(c.profile is profile for c in copies) and decision.profile is profile
    assert decision.fresh().profile is profile


def test_profile_of_a_fail_closed_deny_masks_everything() -> None:
    profile = Decision.deny("timeout", "rev1").profile
    assert profile.default is Operator.DROP and not profile.entities
    assert not profile.detokenize and not profile.keeps_everything


def pydantic_only(raw):
    """decision_from_result as it was: every answer through the pydantic model."""
    from proxy.decisions.model import MalformedResult, _Result
    if raw is None:
        raise MalformedResult("undefined")
    try:
        result = _Result.model_validate(raw)
    except Exception:
        raise MalformedResult("shape") from None
    return {"allow": result.allow, "reasons": tuple(result.reasons),
            "route_region": result.route.region, "masking": result.masking.model_dump(),
            "audit_level": result.audit, "obligations": tuple(result.obligations),
            "fanout_regions": tuple(result.route.fanout)}


def mutations():
    import copy
    yield RESULT
    yield {**RESULT, "route": {"region": None, "fanout": ["eu", "us"]}}
    for path, value in [(("allow",), "yes"), (("allow",), 1), (("reasons",), ("a",)),
                        (("reasons",), ["a", 1]), (("audit",), None),
                        (("obligations",), "x"), (("route", "region"), 5),
                        (("route", "fanout"), None), (("masking", "default"), "blur"),
                        (("masking", "default"), None),
                        (("masking", "entities"), {"PERSON": "kep"}),
                        (("masking", "entities"), {"PERSON": 1}), (("masking", "entities"), []),
                        (("masking", "drop_fields"), [1]), (("masking", "detokenize"), 0),
                        (("masking", "extra"), True), (("extra",), 1), (("route", "x"), 1)]:
        changed = copy.deepcopy(RESULT)
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        yield changed
    for key in RESULT:
        yield {k: v for k, v in RESULT.items() if k != key}
    yield from (None, [], "decision", {"masking": {}})


@pytest.mark.parametrize("raw", list(mutations()))
def test_result_validation_accepts_and_refuses_as_the_pydantic_model(raw) -> None:
    from proxy.decisions.model import MalformedResult
    try:
        expected = pydantic_only(raw)
    except MalformedResult:
        expected = None
    try:
        decision = decision_from_result(raw, "rev1", "embedded")
    except MalformedResult:
        assert expected is None
        return
    assert expected is not None
    assert {k: getattr(decision, k) for k in expected} == expected
