from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from proxy.app import create_app
from proxy.decisions.settings import DEFAULT_POLICIES_DIR
from proxy.demo.crm import create_crm_app
from proxy.demo.dataset import build_dataset
from tests.e2e.helpers import UPSTREAM_TOKEN, Demo, demo_config, raw_values, settings_for
from tests.support import serve_in_thread


@pytest.fixture(scope="session")
def upstreams() -> Iterator[tuple[object, dict[str, str]]]:
    """One sample CRM upstream per region, serving a fresh dataset."""
    dataset = build_dataset(seed=23, contacts_per_region=24)
    with serve_in_thread(create_crm_app("eu", dataset.regions["eu"], token=UPSTREAM_TOKEN)) \
            as eu, serve_in_thread(create_crm_app("cn", dataset.regions["cn"],
                                                  token=UPSTREAM_TOKEN)) as cn, \
            serve_in_thread(create_crm_app("us", dataset.regions["us"],
                                           token=UPSTREAM_TOKEN)) as us:
        yield dataset, {"eu": eu, "cn": cn, "us": us}


@pytest.fixture(scope="session")
def demo(upstreams, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The gateway in front of the upstreams, with the shipped policies (a copy)."""
    dataset, urls = upstreams
    root = tmp_path_factory.mktemp("e2e")
    policies = root / "policies"
    shutil.copytree(DEFAULT_POLICIES_DIR, policies)
    config = demo_config(urls, root / "data", policies)
    app = create_app(settings_for(config), extensions=[])
    with serve_in_thread(app, proxy_headers=False) as url:
        yield Demo(url, dataset, policies, config, app, raw_values(dataset))
