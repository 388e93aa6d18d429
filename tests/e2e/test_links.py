"""Links the upstream writes into its answers (a page's ``next``, a create's ``Location``)
lead back through the gateway, for masking roles as for the DPO, and never name the
upstream."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import Demo, token


def _upstream_addresses(demo: Demo) -> list[str]:
    return [url.split("/")[2] for url in demo.config["systems"]["crm"]["upstreams"].values()]


@pytest.mark.parametrize("role", ["dpo", "agent", "analyst"])
def test_next_page_link_is_followed_through_the_gateway(demo: Demo, role: str) -> None:
    headers = {**token(role, "eu"), "X-Subject-Region": "eu"}
    with demo.client() as client:
        first = client.get("/crm/contacts", params={"per_page": 5, "fields": "id,email"},
                           headers=headers)
        assert first.status_code == 200, first.text
        link = first.json()["next"]
        assert link.startswith(f"{demo.url}/crm/contacts?")
        assert not any(address in first.text for address in _upstream_addresses(demo))
        second = client.get(link, headers=headers)
    assert second.status_code == 200, second.text
    page = second.json()
    assert page["page"] == 2
    assert [c["id"] for c in page["results"]] == [6, 7, 8, 9, 10]


def test_personal_data_in_a_link_is_still_masked(demo: Demo) -> None:
    email = demo.dataset.regions["eu"].contacts.get(1)["email"]
    # The upstream repeats the request's query in its next link, e-mail address included.
    params = {"per_page": 1, "fields": "id", "ref": email}
    with demo.client() as client:
        answers = {role: client.get("/crm/contacts", params=params,
                                    headers={**token(role, "eu"), "X-Subject-Region": "eu"})
                   for role in ("dpo", "agent")}
    assert answers["dpo"].json()["next"].startswith(f"{demo.url}/crm/contacts?")
    assert email.replace("@", "%40") in answers["dpo"].json()["next"]
    link = answers["agent"].json()["next"]
    assert link.startswith(f"{demo.url}/crm/contacts?")
    assert email.replace("@", "%40") not in link and email not in answers["agent"].text


def test_created_record_location_points_at_the_gateway(demo: Demo) -> None:
    headers = {**token("dpo", "eu", sub="dpo-links"), "X-Subject-Region": "eu"}
    contact = {"first_name": "Lena", "last_name": "Vogel", "email": "lena.vogel@example.de",
               "country": "DE"}
    with demo.client() as client:
        created = client.post("/crm/contacts", headers=headers, json=contact)
        assert created.status_code == 201, created.text
        location = created.headers["location"]
        assert location == f"{demo.url}/crm/contacts/{created.json()['id']}"
        fetched = client.get(location, headers=headers)
    assert fetched.status_code == 200
    assert fetched.json()["email"] == contact["email"]
