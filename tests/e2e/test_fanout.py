"""A read whose subject region is unknown fans out to the regions the policy allows; every
region's items are masked by that region's own decision, then merged."""

from __future__ import annotations

import re

from tests.e2e.helpers import Demo, leaked, token


def test_unknown_region_read_fans_out_and_masks_each_region_by_its_decision(
        demo: Demo) -> None:
    with demo.client() as client:
        answer = client.get("/helpdesk/tickets", params={"per_page": 2},
                            headers=token("agent", "us"))
    assert answer.status_code == 200
    # cn->us has no PIPL mechanism for helpdesk: cn is not asked at all.
    assert answer.headers["x-gateway-regions"] == "eu,us"
    page = answer.json()
    tickets = demo.dataset.regions
    assert page["total"] == len(tickets["eu"].tickets.ids()) + len(tickets["us"].tickets.ids())
    eu_items, us_items = page["results"][:2], page["results"][2:]
    assert [t["created_at"] for t in eu_items] == [
        tickets["eu"].tickets.get(i)["created_at"] for i in (1, 2)]
    assert [t["created_at"] for t in us_items] == [
        tickets["us"].tickets.get(i)["created_at"] for i in (1, 2)]
    # eu->us without SCC for helpdesk: pseudonymized; us items: the agent's partial masking.
    assert all(re.fullmatch(r"EMAIL_ADDRESS_[0-9a-f]{16}", t["customer_email"])
               for t in eu_items)
    assert all(re.match(r"\w\*\*\*@", t["customer_email"]) for t in us_items)
    assert leaked(answer.text, demo.raw) == []


def test_fan_out_for_an_eu_agent_skips_the_region_pipl_forbids(demo: Demo) -> None:
    with demo.client() as client:
        answer = client.get("/crm/contacts", params={"per_page": 3},
                            headers=token("agent", "eu"))
    assert answer.status_code == 200
    assert answer.headers["x-gateway-regions"] == "eu,us"
    customer_ids = [c["customer_id"] for c in answer.json()["results"]]
    assert [c[:4] for c in customer_ids] == ["C-EU"] * 3 + ["C-US"] * 3
    assert leaked(answer.text, demo.raw) == []
