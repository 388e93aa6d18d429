"""Byte ranges could cut a value where no detector sees it (``zhang.wei@exa`` | ``mple.com``):
a masking role gets the whole body masked, the DPO gets ranges as the upstream serves them."""

from __future__ import annotations

import httpx

from tests.proxy.conftest import make_token


def _get(gateway: str, role: str, path: str = "/crm/ranged", **headers: str) -> httpx.Response:
    return httpx.get(f"{gateway}{path}", headers={
        "Authorization": f"Bearer {make_token(role)}", "X-Subject-Region": "eu", **headers})


def test_a_masking_role_asking_for_a_range_gets_the_whole_body_masked(gateway: str) -> None:
    response = _get(gateway, "agent", Range="bytes=10-22")
    assert response.status_code == 200, response.text
    assert response.text.startswith("Call back ")
    assert "zhang.wei" not in response.text and "1234 5678" not in response.text


def test_the_dpo_gets_the_range_it_asked_for(gateway: str) -> None:
    response = _get(gateway, "dpo", Range="bytes=10-22")
    assert response.status_code == 206
    assert response.text == "zhang.wei@exa"


def test_a_partial_answer_is_blocked_for_a_masking_role(gateway: str) -> None:
    response = _get(gateway, "agent", "/crm/ranged?always=1")
    assert response.status_code == 502
    assert response.json()["error"] == "response_blocked"
