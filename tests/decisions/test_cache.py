"""The decision cache: an exact key (documents that differ anywhere, types included, never
share a decision), the cache-hit path's metrics and log, and what cannot be keyed."""

from __future__ import annotations

import itertools
import logging

import pytest
from prometheus_client import REGISTRY

from proxy.decisions.service import DecisionService, cache_key
from tests.decisions.test_service import read, run


def variants() -> list[dict]:
    """Documents equal to read("eu", "eu") but for one value or type somewhere."""
    base = read("eu", "eu")
    changed = []
    for value in (True, 1, 1.0, 0, False, None, "true", "1", [True], (True,), {"x": True}):
        changed.append({**base, "transfer": {"consent": value}})
    changed.append({**base, "transfer": {}})
    changed.append({**base, "transfer": {"consent": False, "extra": None}})
    changed.append({**base, "caller": {**base["caller"], "region": "EU"}})
    changed.append({**base, "caller": {**base["caller"], "sub": "alice@example.com "}})
    changed.append({k: v for k, v in base.items() if k != "upstream"})
    changed.append({**base, "upstream": {"region": ""}})
    changed.append({**base, "subject": [base["subject"]]})
    return changed


def test_keys_are_exact() -> None:
    documents = variants()
    keys = [cache_key(d) for d in documents]
    for (i, a), (j, b) in itertools.combinations(enumerate(keys), 2):
        assert a != b, (documents[i], documents[j])
    # Equal documents built separately (other objects, other string instances) share a key.
    assert cache_key(read("eu", "cn")) == cache_key(read("eu", "c" + "n"))
    # Values marshal cannot write (subclasses) fall back to sorted JSON, still exact.
    class Text(str):
        pass
    fallback = cache_key({"b": 1, "a": Text("x")})
    assert isinstance(fallback, str) and fallback == cache_key({"a": Text("x"), "b": 1})
    assert fallback != cache_key({"b": 1, "a": Text("y")})


def test_documents_that_differ_only_in_a_type_are_decided_separately() -> None:
    async def body(service: DecisionService):
        consented = await service.decide(read("eu", "cn", consent=True))
        as_number = await service.decide({**read("eu", "cn"), "transfer": {"consent": 1}})
        again = await service.decide(read("eu", "cn", consent=True))
        return consented, as_number, again
    consented, as_number, again = run(body)
    assert consented.allow and not consented.cached
    assert not as_number.allow and not as_number.cached  # 1 is not consent: no cache hit
    assert again.allow and again.cached


def counted(outcome: str, cached: str) -> float:
    return REGISTRY.get_sample_value("gateway_policy_decisions_total", {
        "engine": "embedded", "outcome": outcome, "cached": cached}) or 0


def test_cache_hits_are_counted_logged_and_get_their_own_ids(caplog) -> None:
    before_hit, before_miss = counted("allow", "true"), counted("allow", "false")

    async def body(service: DecisionService):
        return [await service.decide(read("eu", "eu")) for _ in range(3)]
    with caplog.at_level(logging.INFO, logger="privacy_gateway.decisions"):
        decisions = run(body)
    assert [d.cached for d in decisions] == [False, True, True]
    assert len({d.id for d in decisions}) == 3
    assert counted("allow", "true") == before_hit + 2
    assert counted("allow", "false") == before_miss + 1
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("{")]
    assert all(any(d.id in line for line in logged) for d in decisions)


def test_no_decision_log_without_info_logging(caplog) -> None:
    async def body(service: DecisionService):
        return [await service.decide(read("eu", "eu")) for _ in range(2)]
    with caplog.at_level(logging.WARNING, logger="privacy_gateway.decisions"):
        decisions = run(body)
    assert decisions[1].cached
    assert not [r for r in caplog.records if decisions[0].id in r.getMessage()]


def nested(depth: int) -> dict:
    document: dict = {}
    for _ in range(depth):
        document = {"a": document}
    return document


@pytest.mark.parametrize("document", [
    {"caller": b"bytes"}, {"caller": {1, 2}}, {"caller": float("inf")}, nested(100_000)])
def test_what_json_cannot_hold_fails_closed_even_where_marshal_takes_it(document) -> None:
    async def body(service: DecisionService):
        return [await service.decide(document) for _ in range(2)]
    first, second = run(body)
    assert not first.allow and first.error == "malformed_input"
    assert not second.cached and second.error == "malformed_input"
