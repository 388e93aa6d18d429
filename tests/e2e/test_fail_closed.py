"""Breaking the policy engine never lets raw personal data through: a policy set that does
not compile at start, an engine that raises, hangs or answers nonsense. The caller is a DPO,
whose profile keeps everything, so any fail-open path would show raw data."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from proxy.app import create_app
from proxy.decisions.engine import EngineError
from proxy.decisions.settings import DEFAULT_POLICIES_DIR
from tests.e2e.helpers import Demo, demo_config, leaked, raw_values, settings_for, token
from tests.support import serve_in_thread


def _requests(client: httpx.Client) -> list[httpx.Response]:
    """A routed read, a fanned-out read and a write, as a DPO."""
    dpo = token("dpo", "eu")
    return [
        client.get("/crm/contacts/1", headers={**dpo, "X-Subject-Region": "eu"}),
        client.get("/helpdesk/tickets", headers=dpo),
        client.post("/crm/contacts", headers={**dpo, "X-Subject-Region": "eu"},
                    json={"first_name": "Ada", "last_name": "Byron",
                          "email": "fail.closed@example.com", "country": "GB"}),
    ]


def _assert_refused(answers: list[httpx.Response], reason: str, raw: set[str]) -> None:
    for answer in answers:
        assert answer.status_code == 403, answer.text
        assert answer.json()["detail"] == f"policy failure: {reason}"
        assert leaked(answer.text, raw) == []


@pytest.fixture(scope="module")
def broken_gateway(upstreams, tmp_path_factory) -> Iterator[tuple[str, Any]]:
    """A gateway whose policy set does not compile when it starts."""
    dataset, urls = upstreams
    root = tmp_path_factory.mktemp("broken")
    policies = root / "policies"
    shutil.copytree(DEFAULT_POLICIES_DIR, policies)
    (policies / "broken.rego").write_text("package gateway.broken\n\nx := := 1\n")
    settings = settings_for(demo_config(urls, root / "data", policies))
    with serve_in_thread(create_app(settings, extensions=[]), proxy_headers=False) as url:
        yield url, dataset


def test_policy_that_fails_to_compile_at_start_is_not_ready_and_denies(
        broken_gateway, upstreams) -> None:
    url, dataset = broken_gateway
    before = len(dataset.regions["eu"].contacts.ids())
    with httpx.Client(base_url=url, timeout=30) as client:
        ready = client.get("/readyz")
        answers = _requests(client)
    assert ready.status_code == 503 and ready.json()["checks"]["policy"] is False
    _assert_refused(answers, "not_loaded", raw_values(dataset))
    assert len(dataset.regions["eu"].contacts.ids()) == before  # the write never went out


async def _raise(prepared: object, document: dict[str, Any]) -> Any:
    raise RuntimeError("engine crashed")


async def _engine_error(prepared: object, document: dict[str, Any]) -> Any:
    raise EngineError("evaluation error")


async def _hang(prepared: object, document: dict[str, Any]) -> Any:
    await asyncio.sleep(5)
    return {"allow": True}


async def _nonsense(prepared: object, document: dict[str, Any]) -> Any:
    return {"allow": True, "masking": "none"}


async def _undefined(prepared: object, document: dict[str, Any]) -> Any:
    return None


@pytest.mark.parametrize(("evaluate", "reason"), [
    (_raise, "engine_exception"), (_engine_error, "engine_error"), (_hang, "timeout"),
    (_nonsense, "malformed_result"), (_undefined, "undefined"),
])
def test_failing_engine_denies_without_raw_data(demo: Demo, monkeypatch, evaluate,
                                                reason: str) -> None:
    monkeypatch.setattr(demo.app.runtime.decisions.engine, "evaluate", evaluate)
    with demo.client() as client:
        answers = _requests(client)
    _assert_refused(answers, reason, demo.raw)
    assert "fail.closed@example.com" not in {c["email"] for c in
                                             demo.dataset.regions["eu"].contacts}
