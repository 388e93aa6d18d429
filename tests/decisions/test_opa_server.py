"""The OPA server engine against a stand-in OPA on 127.0.0.1 that answers each way a real
server can fail: every failure must deny."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from proxy.decisions.policy_set import PolicySet
from proxy.decisions.service import DecisionService
from proxy.decisions.settings import DEFAULT_POLICIES_DIR
from tests.decisions.conftest import LoopThread, started_service
from tests.support import serve_in_thread

ALLOW = {"allow": True, "reasons": ["transfer eu->eu stays local under GDPR Chapter V"],
         "route": {"region": "eu", "fanout": []},
         "masking": {"default": "redact", "entities": {"PERSON": "keep"}, "drop_fields": [],
                     "detokenize": False},
         "audit": "standard", "obligations": []}
INPUT = {"caller": {"sub": "u1", "role": "agent", "region": "eu", "purpose": "support"},
         "request": {"method": "GET", "system": "crm", "path": "/contacts/1", "action": "read"},
         "subject": {"region": "eu", "source": "directory"}}


class FakeOpa:
    """Stores what the gateway uploads; answers decisions in the configured mode."""

    def __init__(self) -> None:
        self.mode = "valid"
        self.policies: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.inputs: list[Any] = []
        self.app = Starlette(routes=[
            Route("/v1/policies/", self.list_policies, methods=["GET"]),
            Route("/v1/policies/{id:path}", self.put_policy, methods=["PUT", "DELETE"]),
            Route("/v1/data/gateway/decision", self.decide, methods=["POST"]),
            Route("/v1/data/{path:path}", self.put_data, methods=["PUT"]),
        ])

    async def list_policies(self, request: Request) -> Response:
        return JSONResponse({"result": [{"id": i} for i in self.policies]})

    async def put_policy(self, request: Request) -> Response:
        policy_id = request.path_params["id"]
        if request.method == "DELETE":
            self.policies.pop(policy_id)
        else:
            self.policies[policy_id] = (await request.body()).decode()
        return JSONResponse({})

    async def put_data(self, request: Request) -> Response:
        self.data[request.path_params["path"]] = await request.json()
        return Response(status_code=204)

    async def decide(self, request: Request) -> Response:
        self.inputs.append((await request.json())["input"])
        if self.mode == "hang":
            await asyncio.sleep(1.5)
        if self.mode == "slow":
            await asyncio.sleep(0.6)
        if self.mode == "error":
            return JSONResponse({"code": "internal_error", "message": "boom"}, 500)
        if self.mode == "undefined":
            return JSONResponse({})
        if self.mode == "malformed":
            return Response('{"result": {"allow": tru', media_type="application/json")
        if self.mode == "wrong_shape":
            return JSONResponse({"result": {**ALLOW, "allow": "yes"}})
        return JSONResponse({"result": ALLOW})


@pytest.fixture(scope="module")
def opa() -> Iterator[tuple[FakeOpa, LoopThread, DecisionService]]:
    fake = FakeOpa()
    with serve_in_thread(fake.app) as url, \
            started_service(engine="opa", opa_url=url, timeout_ms=300, cache_ttl_seconds=0,
                            run_tests_on_load=False) as (loop, service):
        yield fake, loop, service


def test_start_uploads_modules_and_data_with_precomputed_tables(opa) -> None:
    fake, _, service = opa
    policy_set = PolicySet.load(DEFAULT_POLICIES_DIR)
    assert service.ready and service.revision == policy_set.revision
    assert set(fake.policies) == {f"privacy-gateway/{n}" for n in policy_set.modules}
    assert not any(name.endswith("_test.rego") for name in fake.policies)
    assert fake.data["laws"] == policy_set.data["laws"]
    assert {"access", "reads", "overlaid"} <= fake.data["precomputed"].keys()


def test_valid_answer_is_the_decision(opa) -> None:
    fake, loop, service = opa
    fake.mode = "valid"
    decision = loop.run(service.decide(INPUT))
    assert decision.allow and decision.engine == "opa" and decision.route_region == "eu"
    assert fake.inputs[-1] == INPUT


@pytest.mark.parametrize(("mode", "reason"), [
    ("error", "engine_error"), ("hang", "timeout"), ("undefined", "undefined"),
    ("malformed", "engine_error"), ("wrong_shape", "malformed_result")])
def test_every_failure_denies(opa, mode: str, reason: str) -> None:
    fake, loop, service = opa
    fake.mode = mode
    # Its own input: an identical one would join the (hanging) evaluation still in flight.
    document = {**INPUT, "request": {**INPUT["request"], "path": f"/{mode}"}}
    decision = loop.run(service.decide(document))
    assert not decision.allow and decision.error == reason
    assert decision.masking["default"] == "drop"


def test_slow_evaluation_is_shared_and_still_fills_the_cache() -> None:
    """A burst of identical requests during a slow answer: one evaluation, every caller
    denied on time, and once the answer arrives it serves the next requests from cache."""
    fake = FakeOpa()
    with serve_in_thread(fake.app) as url, \
            started_service(engine="opa", opa_url=url, timeout_ms=300, cache_ttl_seconds=60,
                            run_tests_on_load=False) as (loop, service):
        fake.mode = "slow"

        async def burst() -> list:
            return await asyncio.gather(*(service.decide(INPUT) for _ in range(20)))

        decisions = loop.run(burst())
        assert all(d.error == "timeout" for d in decisions)
        assert len(fake.inputs) == 1
        time.sleep(1.0)  # the evaluation completes in the background and is cached
        fake.mode = "error"
        later = loop.run(service.decide(INPUT))
    assert later.allow and later.cached


def test_unreachable_server_denies() -> None:
    with started_service(engine="opa", opa_url="http://127.0.0.1:9", timeout_ms=300,
                         run_tests_on_load=False) as (loop, service):
        assert not service.ready  # the upload failed: nothing is live
        decision = loop.run(service.decide(INPUT))
    assert not decision.allow and decision.error == "not_loaded"


def test_reload_removes_modules_the_set_no_longer_has(opa) -> None:
    fake, loop, service = opa
    fake.policies["privacy-gateway/old.rego"] = "package old"
    fake.policies["someone-else/keep.rego"] = "package keep"
    assert loop.run(service.reload()).ok
    assert "privacy-gateway/old.rego" not in fake.policies
    assert "someone-else/keep.rego" in fake.policies

