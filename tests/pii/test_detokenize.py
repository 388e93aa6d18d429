"""``POST /v1/detokenize`` served by uvicorn on 127.0.0.1, with the caller set by a
middleware (the gateway's identity step is tested in tests/proxy)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request

from proxy.caller import Caller
from proxy.decisions.role_profile import policy_decision
from proxy.pii.detokenize import detokenize_route
from proxy.pii.masker import Masker
from tests.support import serve_in_thread


def policy_allows_detokenize(caller: Caller) -> bool:
    """The shipped policy's answer, as the gateway asks it (action ``detokenize``)."""
    return policy_decision(caller.role, caller.purpose, action="detokenize").allow


@contextlib.contextmanager
def served(masker: Masker, caller: Caller | None, authorize: Callable[[Caller], Any],
           on_call: Callable[[Caller, int, int], None]) -> Iterator[httpx.Client]:
    async def set_caller(request: Request, call_next: Callable) -> object:
        request.state.caller = caller
        return await call_next(request)

    app = Starlette(routes=[detokenize_route(masker, authorize, on_call)])
    if caller is not None:
        app.add_middleware(BaseHTTPMiddleware, dispatch=set_caller)
    with serve_in_thread(app) as url, httpx.Client(base_url=url) as client:
        yield client


def client_for(masker: Masker, caller: Caller,
               calls: list[tuple[str, int, int]]) -> contextlib.AbstractContextManager[
                   httpx.Client]:
    def on_call(who: Caller, ok: int, failed: int) -> None:
        calls.append((who.subject, ok, failed))

    return served(masker, caller, policy_allows_detokenize, on_call)


@pytest.fixture
def token(masker: Masker) -> str:
    tokenizer = masker.tokenizer
    return tokenizer.tokenize("13812345678", "PHONE_NUMBER", tokenizer.key_id_for("13812345678"))


def test_allowed_caller_gets_values(masker: Masker, token: str) -> None:
    calls: list[tuple[str, int, int]] = []
    with client_for(masker, Caller("dpo-1", role="dpo"), calls) as client:
        response = client.post("/v1/detokenize", json={"tokens": [
            token, "tok_X.0000000000000000.AAAAAAAAAAAAAAAAAAAAAAAA"]})
    assert response.status_code == 200
    body = response.json()
    assert body["values"] == {token: "13812345678"}
    assert len(body["errors"]) == 1
    assert calls == [("dpo-1", 1, 1)]
    assert "13812345678" not in repr(calls)


def test_other_roles_are_forbidden(masker: Masker, token: str) -> None:
    calls: list[tuple[str, int, int]] = []
    with client_for(masker, Caller("a-1", role="agent"), calls) as client:
        response = client.post("/v1/detokenize", json={"tokens": [token]})
    assert response.status_code == 403
    assert "13812345678" not in response.text and calls == []


def test_destroyed_key_is_reported(masker: Masker, keystore: object) -> None:
    tokenizer = masker.tokenizer
    key_id = tokenizer.key_id_for("erased@example.com")
    token = tokenizer.tokenize("Erased Person", "PERSON", key_id)
    keystore.destroy(key_id)  # type: ignore[attr-defined]
    with client_for(masker, Caller("dpo-1", role="dpo"), []) as client:
        body = client.post("/v1/detokenize", json={"tokens": [token]}).json()
    assert body["values"] == {} and "destroyed" in body["errors"][token]


def test_bad_requests(masker: Masker) -> None:
    with client_for(masker, Caller("dpo-1", role="dpo"), []) as client:
        assert client.post("/v1/detokenize", content=b"nope").status_code == 400
        assert client.post("/v1/detokenize", json={"tokens": "x"}).status_code == 400


def test_async_authorizers_are_awaited_and_only_true_allows(masker: Masker, token: str) -> None:
    async def deny(caller: Caller) -> bool:
        return False

    async def allow(caller: Caller) -> bool:
        return True

    for authorize, status in ((deny, 403), (allow, 200), (lambda c: "yes", 403)):
        with served(masker, Caller("x", role="dpo"), authorize, lambda *a: None) as client:
            response = client.post("/v1/detokenize", json={"tokens": [token]})
        assert response.status_code == status


def test_missing_caller_is_forbidden(masker: Masker, token: str) -> None:
    with served(masker, None, lambda c: True, lambda *a: None) as client:
        assert client.post("/v1/detokenize", json={"tokens": [token]}).status_code == 403
