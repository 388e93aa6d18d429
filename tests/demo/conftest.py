from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from proxy.demo.crm import create_crm_app
from proxy.demo.dataset import Dataset, build_dataset
from tests.support import serve_in_thread

TOKEN = "crm-test-token"


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    """Read-only: tests that change data build their own."""
    return build_dataset(seed=7, contacts_per_region=60, annotate=True)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Dataset, dict[str, httpx.Client]]]:
    """A fresh dataset served by one real uvicorn upstream per region."""
    data = build_dataset(seed=11, contacts_per_region=60)
    clients: dict[str, httpx.Client] = {}
    with serve_in_thread(create_crm_app("cn", data.regions["cn"], token=TOKEN)) as cn, \
            serve_in_thread(create_crm_app("eu", data.regions["eu"], token=TOKEN)) as eu:
        for region, url in (("cn", cn), ("eu", eu)):
            clients[region] = httpx.Client(base_url=url, timeout=10,
                                           headers={"Authorization": f"Bearer {TOKEN}"})
        yield data, clients
        for client in clients.values():
            client.close()
