"""A method override (header or ``_method``) is judged as the method it names: a role that
may only read cannot delete through ``GET`` plus ``X-HTTP-Method-Override: DELETE``."""

from __future__ import annotations

import httpx
import pytest

from tests.proxy.conftest import make_token


def _headers(role: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(role)}", "X-Subject-Region": "eu", **extra}


@pytest.mark.parametrize("header", ["X-HTTP-Method-Override", "X-HTTP-Method",
                                    "X-Method-Override"])
def test_read_only_role_cannot_delete_through_an_override_header(gateway: str,
                                                                 header: str) -> None:
    response = httpx.get(f"{gateway}/crm/contacts/7",
                         headers=_headers("analyst", **{header: "delete"}))
    assert response.status_code == 403
    assert "may not delete" in response.json()["detail"]


def test_role_that_may_write_cannot_delete_through_method_parameter(gateway: str) -> None:
    response = httpx.post(f"{gateway}/crm/contacts/7", params={"_method": "DELETE"},
                          headers=_headers("agent"))
    assert response.status_code == 403
    assert "may not delete" in response.json()["detail"]


def test_role_that_may_write_cannot_delete_through_a_form_field(gateway: str) -> None:
    response = httpx.post(f"{gateway}/crm/contacts/7", data={"_method": "delete", "x": "1"},
                          headers=_headers("agent"))
    assert response.status_code == 403
    assert "may not delete" in response.json()["detail"]


def test_role_that_may_write_cannot_delete_through_a_multipart_field(gateway: str) -> None:
    response = httpx.post(f"{gateway}/crm/contacts/7", data={"_method": "DELETE"},
                          files={"photo": ("p.png", b"\x89PNG", "image/png")},
                          headers=_headers("agent"))
    assert response.status_code == 403
    assert "may not delete" in response.json()["detail"]


def test_allowed_override_is_forwarded_for_the_upstream_to_act_on(gateway: str) -> None:
    response = httpx.post(f"{gateway}/crm/contacts/7",
                          headers=_headers("dpo", **{"X-HTTP-Method-Override": "DELETE"}))
    assert response.status_code == 200
    seen = response.json()
    assert seen["method"] == "POST"
    assert seen["headers"]["x-http-method-override"] == "DELETE"
    # The read the method alone would be is not what the analyst may do either way.
    plain = httpx.get(f"{gateway}/crm/contacts/7", headers=_headers("analyst"))
    assert plain.status_code == 200


def test_unknown_or_conflicting_overrides_are_refused(gateway: str) -> None:
    unknown = httpx.post(f"{gateway}/crm/contacts/7",
                         headers=_headers("dpo", **{"X-HTTP-Method": "PURGE"}))
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "x-http-method: not an HTTP method"
    conflicting = httpx.post(f"{gateway}/crm/contacts/7", params={"_method": "PATCH"},
                             headers=_headers("dpo", **{"X-HTTP-Method-Override": "DELETE"}))
    assert conflicting.status_code == 400
    assert "disagree" in conflicting.json()["detail"]


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND"])
def test_methods_outside_the_api_are_refused(gateway: str, method: str) -> None:
    response = httpx.request(method, f"{gateway}/crm/contacts/7", headers=_headers("dpo"))
    assert response.status_code == 405
    assert response.json()["detail"] == f"{method} is not supported"
    assert "GET" in response.headers["allow"]
