"""Each system may say what its own fields hold (``systems.<name>.pii``): the same field name
means different things in different CRMs, and only that system's answers follow its entries."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from proxy.app import create_app
from proxy.settings import parse_settings
from tests.proxy.conftest import gateway_config, make_token
from tests.support import free_port, serve_in_thread

ACCOUNT = "0012345678"  # a bank account in one CRM, a company's customer code in the other
ALIAS = "kwagner"  # a login name, nothing in its form says it names a person


@pytest.fixture(scope="module")
def gateway(upstream: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    dead = f"http://127.0.0.1:{free_port()}"
    config = gateway_config(upstream, dead, tmp_path_factory.mktemp("gw"))
    crm = config["systems"]["crm"]
    config["systems"]["sales"] = {
        **crm, "prefix": "/sales",
        "pii": {"ignore_fields": ["AccountNumber"], "catalog": {"Alias": "PERSON"}}}
    with serve_in_thread(create_app(parse_settings(config)), proxy_headers=False) as url:
        yield url


def _record(gateway: str, system: str, role: str) -> dict[str, str]:
    response = httpx.get(f"{gateway}/{system}/record",
                         params={"AccountNumber": ACCOUNT, "Alias": ALIAS},
                         headers={"Authorization": f"Bearer {make_token(role)}",
                                  "X-Subject-Region": "eu"})
    assert response.status_code == 200, response.text
    return response.json()


def test_each_system_masks_by_its_own_entries(gateway: str) -> None:
    crm, sales = _record(gateway, "crm", "analyst"), _record(gateway, "sales", "analyst")
    assert crm["AccountNumber"] != ACCOUNT and ALIAS in crm["Alias"]
    assert sales["AccountNumber"] == ACCOUNT and ALIAS not in sales["Alias"]


def test_entries_only_decide_what_is_masked_not_who_sees_it(gateway: str) -> None:
    assert _record(gateway, "sales", "dpo") == {"AccountNumber": ACCOUNT, "Alias": ALIAS}
