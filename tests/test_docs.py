"""The configuration examples people copy from the docs are valid configurations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from dsar.settings import parse_dsar_settings
from proxy.settings import load_settings, parse_settings
from tests.support import ROOT

ENV = {"GATEWAY_JWT_SECRET": "x" * 40, "CRM_TOKEN": "t", "CRM_US_PASSWORD": "p",
       "PII_HMAC_KEY": "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=",
       "PII_TOKEN_KEY": "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=",
       "GATEWAY_MASTER_KEY": "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=",
       "HUBSPOT_PRIVATE_APP_TOKEN": "h"}


def yaml_blocks(path: Path) -> list[dict]:
    blocks = re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
    return [yaml.safe_load(block) for block in blocks]


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def test_readme_configuration_reference_is_a_valid_configuration() -> None:
    (reference,) = [b for b in yaml_blocks(ROOT / "README.md") if "systems" in b]
    settings = parse_settings(reference)
    assert settings.systems["crm"].upstreams["us"].auth.type == "basic"
    parse_dsar_settings(reference["dsar"])


def test_deploy_example_and_demo_configurations_load() -> None:
    assert load_settings(ROOT / "deploy" / "gateway.example.yaml").systems
    demo = load_settings(ROOT / "proxy" / "demo" / "config.yaml")
    assert set(parse_dsar_settings(demo.dsar).connectors) == {"crm", "helpdesk", "calls"}


def test_dsar_readme_hubspot_example_is_a_valid_connector() -> None:
    (example,) = [b for b in yaml_blocks(ROOT / "dsar" / "README.md")
                  if "hubspot" in str(b).lower()]
    settings = parse_dsar_settings(example["dsar"])
    assert settings.connectors
