from __future__ import annotations

import pytest

from proxy.pii.profiles import Operator, Profile, least_revealing


def test_least_revealing_order() -> None:
    order = ["drop", "redact", "hash", "token", "generalize", "partial", "keep"]
    for i, stronger in enumerate(order):
        for weaker in order[i:]:
            assert least_revealing([Operator(weaker), Operator(stronger)]) is Operator(stronger)


def test_combine_takes_least_revealing_per_entity() -> None:
    agent = Profile.from_dict({"default": "partial", "entities": {"PERSON": "keep"},
                               "drop_fields": ["iban"], "detokenize": True})
    policy = Profile.from_dict({"default": "keep", "entities": {"PERSON": "hash",
                                                                "EMAIL_ADDRESS": "keep"}})
    both = agent.combine(policy)
    assert both.operator_for("PERSON") is Operator.HASH
    assert both.operator_for("EMAIL_ADDRESS") is Operator.PARTIAL
    assert both.default is Operator.PARTIAL
    assert both.drop_fields == {"iban"} and not both.detokenize


def test_most_restrictive_reveals_nothing() -> None:
    profile = Profile.most_restrictive()
    assert profile.operator_for("ANYTHING") is Operator.DROP
    assert not profile.detokenize and not profile.keeps_everything


def test_from_dict_rejects_unknown_keys_and_operators() -> None:
    with pytest.raises(ValueError):
        Profile.from_dict({"default": "redact", "entitys": {}})
    with pytest.raises(ValueError):
        Profile.from_dict({"default": "blur"})


def test_round_trip_through_dict() -> None:
    raw = {"default": "redact", "entities": {"PHONE_NUMBER": "partial"},
           "drop_fields": ["national_id"], "detokenize": False}
    assert Profile.from_dict(raw).as_dict() == raw
