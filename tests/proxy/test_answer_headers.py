"""Response headers carry personal data too: a masking role gets them masked like the body,
the DPO gets them as the upstream sent them, and no caller gets the upstream's cookies."""

from __future__ import annotations

import httpx

from tests.proxy.conftest import make_token

EMAIL = "zhang.wei@example.com"


def _get(gateway: str, role: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {make_token(role)}", "X-Subject-Region": "eu"}
    response = httpx.get(f"{gateway}/crm/described", headers=headers)
    assert response.status_code == 200, response.text
    return response


def _raw_headers(response: httpx.Response) -> bytes:
    return b"\n".join(k + b": " + v for k, v in response.headers.raw)


def test_masking_role_gets_no_personal_data_in_headers(gateway: str) -> None:
    response = _get(gateway, "analyst")
    raw = _raw_headers(response)
    assert EMAIL.encode() not in raw and b"zhang.wei%40example.com" not in raw
    assert "张伟".encode() not in raw  # a name known from the body, repeated in a header
    assert response.headers["x-customer-email"] != EMAIL
    assert "x-contact-name" in response.headers
    # What only describes the message is left as it is, and links lead to the gateway.
    assert response.headers["x-total-count"] == "1"
    assert response.headers["cache-control"] == "private, max-age=60"
    assert response.headers["content-type"] == "application/json"
    assert response.headers["link"].startswith(f"<{gateway}/crm/described?after=")
    assert EMAIL not in response.text


def test_dpo_gets_headers_as_sent_even_raw_utf8(gateway: str) -> None:
    response = _get(gateway, "dpo")
    assert response.headers["x-customer-email"] == EMAIL
    assert dict(response.headers.raw)[b"x-contact-name"] == "张伟".encode()
    assert response.headers["link"] == (f"<{gateway}/crm/described?after="
                                        "zhang.wei%40example.com>; rel=\"next\"")


def test_upstream_cookies_never_reach_the_caller(gateway: str) -> None:
    for role in ("dpo", "analyst"):
        headers = {"Authorization": f"Bearer {make_token(role)}", "X-Subject-Region": "eu"}
        response = httpx.get(f"{gateway}/crm/anything", headers=headers)
        assert response.status_code == 200
        assert "set-cookie" not in response.headers
